using TwinGuard.Twins.Share;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>
/// Peer sites are a class of device: declared with <c>peer:</c>, authenticated by a client certificate issued by their
/// own pinned CA, they publish on <c>peer/ID/up</c> only, and what they publish goes to <see cref="Peers"/>, never to
/// the gate or to other clients (docs/sharing.md; the rule is <c>InterceptOwnTopicAsync</c>'s, as for edges).
/// </summary>
public sealed partial class EmbeddedBroker
{
    /// <summary>Where peer messages go; null: peers are refused like a device publishing outside its topics.</summary>
    public IPeerReceiver? Peers { get; set; }
}

using System.Buffers;
using MQTTnet.Protocol;
using MQTTnet.Server;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Share;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>
/// Peer sites are a class of device: declared with <c>peer:</c>, authenticated by a client certificate issued by their
/// own pinned CA, they publish on <c>peer/ID/up</c> only, and what they publish goes to <see cref="Peers"/>, never to
/// the gate or to other clients (docs/sharing.md).
/// </summary>
public sealed partial class EmbeddedBroker
{
    /// <summary>Where peer messages go; null: peers are refused like a device publishing outside its topics.</summary>
    public IPeerReceiver? Peers { get; set; }

    private async Task InterceptPeerAsync(InterceptingPublishEventArgs e, SourceInfo source)
    {
        e.ProcessPublish = false;
        var topic = e.ApplicationMessage.Topic;
        var expected = "peer/" + source.Device.Id + "/up";
        if (Peers is not { } peers || !string.Equals(topic, expected, StringComparison.Ordinal))
        {
            // MQTT 5.0 §3.4.2.1: 0x87 Not authorized, so the peer keeps the message and tries later.
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            _gate.RefuseMessage(source, topic, ReasonCode.UnauthorisedTopic,
                Peers is null ? $"peer '{source.Device.Id}' published, but this site takes no peer messages" : $"peer '{source.Device.Id}' may publish only to '{expected}', not '{topic}'",
                ReadOnlyMemory<byte>.Empty);
            return;
        }

        var payload = e.ApplicationMessage.Payload;
        var refusal = await peers.ReceiveAsync(source.Device, payload.IsSingleSegment ? payload.First : payload.ToArray(), e.CancellationToken);
        if (refusal is not null)
        {
            // MQTT 5.0 §3.4.2.1: 0x99 Payload format invalid; the reason string says which check failed.
            e.Response.ReasonCode = MqttPubAckReasonCode.PayloadFormatInvalid;
            e.Response.ReasonString = refusal;
        }
    }
}

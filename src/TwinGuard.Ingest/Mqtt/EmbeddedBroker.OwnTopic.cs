using System.Buffers;
using MQTTnet.Protocol;
using MQTTnet.Server;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>
/// The one rule for identities that are not devices (edge agents, peer sites): each publishes to one topic of its own
/// only, and what it publishes goes to its receiver, never to the gate or to other clients (docs/edge.md, docs/sharing.md).
/// </summary>
public sealed partial class EmbeddedBroker
{
    /// <summary>
    /// Hands a message of <paramref name="source"/> (a <paramref name="kind"/>: <c>edge</c> or <c>peer</c>) to
    /// <paramref name="receive"/> when it was published on <paramref name="expected"/>, else refuses it as a publish
    /// outside its topics; a receiver's refusal goes back in the PUBACK.
    /// </summary>
    private async Task InterceptOwnTopicAsync(
        InterceptingPublishEventArgs e, SourceInfo source, string kind, string expected,
        Func<DeviceModel, ReadOnlyMemory<byte>, CancellationToken, Task<string?>>? receive)
    {
        // Nothing such an identity publishes is routed to other clients; the site keeps it or refuses it.
        e.ProcessPublish = false;
        var topic = e.ApplicationMessage.Topic;
        if (receive is null || !string.Equals(topic, expected, StringComparison.Ordinal))
        {
            // MQTT 5.0 §3.4.2.1: 0x87 Not authorized in the PUBACK, so the sender keeps the message and tries later.
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            _gate.RefuseMessage(source, topic, ReasonCode.UnauthorisedTopic,
                receive is null ? $"{kind} '{source.Device.Id}' published, but this site takes no {kind} messages" : $"{kind} '{source.Device.Id}' may publish only to '{expected}', not '{topic}'",
                ReadOnlyMemory<byte>.Empty);
            return;
        }

        var payload = e.ApplicationMessage.Payload;
        var refusal = await receive(source.Device, payload.IsSingleSegment ? payload.First : payload.ToArray(), e.CancellationToken);
        if (refusal is not null)
        {
            // MQTT 5.0 §3.4.2.1: 0x99 Payload format invalid; the reason string says which check failed.
            e.Response.ReasonCode = MqttPubAckReasonCode.PayloadFormatInvalid;
            e.Response.ReasonString = refusal;
        }
    }
}

using MQTTnet.Protocol;
using MQTTnet.Server;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>What a device may do besides publishing readings: nothing, unless the plant model grants it.</summary>
/// <remarks>
/// Devices publish only: a SUBSCRIBE is refused unless a filter of the device's <c>subscribe:</c> list covers it (a
/// device that subscribed to <c>#</c> would read every other device's readings). A retained PUBLISH is refused (a
/// reading must not be stored and replayed to a later subscriber). A PUBLISH topic with a wildcard or U+0000 breaks
/// the protocol and closes the connection.
/// </remarks>
public sealed partial class EmbeddedBroker
{
    private bool BreaksPublishRules(InterceptingPublishEventArgs e, SourceInfo source)
    {
        var message = e.ApplicationMessage;
        if (TopicFilter.IsInvalidTopicName(message.Topic))
        {
            // [MQTT-3.3.2-2] and MQTT 5.0 §3.3.2.1: a topic name must not contain wildcards; [MQTT-1.5.3-2] nor U+0000.
            // MQTT 5.0 §4.13: a malformed packet or protocol error closes the network connection.
            e.ProcessPublish = false;
            e.CloseConnection = true;
            e.Response.ReasonCode = MqttPubAckReasonCode.TopicNameInvalid;
            _gate.RefuseMessage(source, Printable(message.Topic), ReasonCode.ProtocolViolation,
                $"device '{source.Device.Id}' published to '{Printable(message.Topic)}', a topic name with a wildcard or U+0000 (MQTT §4.7.1): connection closed",
                ReadOnlyMemory<byte>.Empty);
            return true;
        }

        if (message.Retain)
        {
            // MQTT 5.0 §3.3.4: a PUBACK reason code >= 0x80 tells the client the message was not accepted.
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            e.Response.ReasonString = "retained messages are refused";
            _gate.RefuseMessage(source, message.Topic, ReasonCode.RetainRefused,
                $"device '{source.Device.Id}' published to '{message.Topic}' with the retain flag: refused, nothing is stored", ReadOnlyMemory<byte>.Empty);
            return true;
        }

        return false;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        var filter = e.TopicFilter.Topic;
        if (e.SessionItems[SourceKey] is SourceInfo source && source.Device.Subscribe.Any(granted => TopicFilter.Covers(granted, filter)))
        {
            Interlocked.Increment(ref _subscriptionsGranted); // from now on accepted readings are routed (InterceptPublishAsync)
            return Task.CompletedTask;
        }

        // MQTT 5.0 §3.9.3: 0x87 Not authorized; MQTT 3.1.1 §3.9.3 has only 0x80 Failure, which MQTTnet sends for it.
        e.ProcessSubscription = false;
        e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        if (e.SessionItems[SourceKey] is SourceInfo refused)
        {
            _gate.RefuseMessage(refused, Printable(filter), ReasonCode.UnauthorisedTopic,
                $"device '{refused.Device.Id}' subscribed to '{Printable(filter)}', which its subscribe list does not grant: refused", ReadOnlyMemory<byte>.Empty);
        }

        return Task.CompletedTask;
    }

    // A topic is recorded and logged: U+0000 and other control characters are written visibly, never passed on.
    private static string Printable(string topic)
    {
        var text = topic.Length > 256 ? topic[..256] + "..." : topic;
        return text.Any(char.IsControl) ? string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) : text;
    }
}

using System.Collections;
using MQTTnet.Formatter;
using MQTTnet.Server;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>
/// The answer to a refused PUBLISH (<see cref="RefusalAnswer"/>): an MQTT 5 client's PUBACK/PUBREC says why instead of
/// Success. MQTT 3.1.1 has no reason code in a PUBACK or PUBREC (§3.4, §3.5): its client is acknowledged as before
/// and the refusal is only counted and recorded (MQTTnet's 3.1.1 encoder writes no reason code).
/// </summary>
public sealed partial class EmbeddedBroker
{
    private const string ReasonStringsKey = "twinguard.reason-strings";

    /// <summary>
    /// The largest PUBACK/PUBREC carrying a reason string: fixed header (2), packet id (2), reason code (1), property
    /// length (1), reason string property (3 + its bytes).
    /// </summary>
    private const int LargestAnswer = 9 + RefusalAnswer.MaxReasonStringBytes;

    /// <summary>
    /// At CONNECT: an MQTT 5 client hears reason strings unless it declared a maximum packet size too small for them
    /// ([MQTT-3.4.2-2]: the reason string is left out rather than exceed it; MQTTnet does not check).
    /// </summary>
    private static void TrackReasonStrings(ValidatingConnectionEventArgs e)
    {
        if (e.ProtocolVersion == MqttProtocolVersion.V500 && (e.MaximumPacketSize == 0 || e.MaximumPacketSize >= LargestAnswer))
        {
            e.SessionItems[ReasonStringsKey] = true;
        }
    }

    /// <summary>Answers a publish the gate refused for <paramref name="reason"/> (null: the gate failed).</summary>
    private static void AnswerRefusal(InterceptingPublishEventArgs e, ReasonCode? reason)
    {
        var answer = RefusalAnswer.For(reason);
        e.Response.ReasonCode = answer.Code;
        e.Response.ReasonString = HearsReasonStrings(e.SessionItems) ? answer.ReasonString : null;
    }

    private static bool HearsReasonStrings(IDictionary? sessionItems) => sessionItems?[ReasonStringsKey] is true;
}

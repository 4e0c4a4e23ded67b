using MQTTnet.Protocol;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>
/// What an MQTT 5 client hears when the gate or the twin refuses its QoS 1/2 PUBLISH: a PUBACK/PUBREC reason code of 0x80 or above
/// (MQTT 5.0 §3.4.2.1, §3.5.2.1: the receiver does not accept the publication) and a short reason string, never Success.
/// </summary>
/// <remarks>
/// One code per class of refusal (docs/readings.md, "What a device is told"). Every answer is a fixed string of at most
/// <see cref="MaxReasonStringBytes"/> ASCII bytes: no topic, asset, payload, value or limit is ever echoed, and the
/// classes a device must not tell apart (a topic it may not use, one that names nothing, a quarantine) share one answer,
/// so the answer enumerates nothing. PUBACK and PUBREC share these code values.
/// </remarks>
internal static class RefusalAnswer
{
    /// <summary>The longest reason string sent (UTF-8 bytes); the validation check names fit well within it.</summary>
    public const int MaxReasonStringBytes = 64;

    /// <summary>
    /// The answer when the site itself failed (the gate threw, the ledger cannot write): unlike a refusal, the same message
    /// may be kept when sent again later. It says what to do, not what failed.
    /// </summary>
    public static Answer Failed { get; } = new(MqttPubAckReasonCode.UnspecifiedError, "not kept: send it again later");

    private static readonly Answer NotAuthorized = new(MqttPubAckReasonCode.NotAuthorized, "not authorized");
    private static readonly Answer NotAReading = new(MqttPubAckReasonCode.PayloadFormatInvalid, "payload is not a reading (docs/readings.md)");
    private static readonly Answer TooFast = new(MqttPubAckReasonCode.QuotaExceeded, "quota exceeded: publishing faster than allowed");
    private static readonly Answer Refused = new(MqttPubAckReasonCode.ImplementationSpecificError, "refused by validation");

    // Built once: a refusal costs no formatting, and every string is checked against the bound at start-up.
    private static readonly Answer[] ByReason = Enum.GetValues<ReasonCode>().Select(Of).ToArray();

    /// <summary>The answer to a publish the gate refused for <paramref name="reason"/> (null: the gate failed).</summary>
    public static Answer For(ReasonCode? reason) =>
        reason is { } code && (int)code >= 0 && (int)code < ByReason.Length ? ByReason[(int)code] : Failed;

    private static Answer Of(ReasonCode reason)
    {
        var answer = reason switch
        {
            // Who may send what. One answer for all of these: telling "no such asset" from "not yours" or "quarantined"
            // would let a device map the plant's topics and learn that it has been detected.
            ReasonCode.UnknownSource or ReasonCode.UnauthorisedTopic or ReasonCode.UnknownAsset or ReasonCode.UnknownSignal
                or ReasonCode.Quarantined or ReasonCode.RetainRefused => NotAuthorized,

            // The payload is not a reading as the (public) format defines it.
            ReasonCode.Malformed or ReasonCode.WrongType => NotAReading,

            // A flood of valid readings: the hold or the cut-off says the same.
            ReasonCode.Flooding => TooFast,

            // A value's own checks (the gate's and the twin's): the check is named (its snake_case name, as in the refusal
            // record and docs/readings.md), never its limit or the value. A device's operator needs to know that a sensor
            // reads out of range; probing the limits learns nothing more than accepted against refused already tells.
            ReasonCode.NonFinite or ReasonCode.OutOfRange or ReasonCode.RateOfChange
                => Refused with { ReasonString = $"refused by validation: {reason.Name()}" },

            // The twin's checks of the message as a whole (sequence, clock) are what catches a replay of captured
            // publishes: one unnamed answer for them, so a replayer does not learn which defence caught it (or that a
            // replay defence did at all, rather than its timestamps). Stale, frozen and operating limits are findings
            // on values that were accepted, never refusals of a publish: they do not reach the answer. A reason added
            // later answers the same, until someone decides what it may reveal.
            _ => Refused,
        };
        if (System.Text.Encoding.UTF8.GetByteCount(answer.ReasonString) > MaxReasonStringBytes)
        {
            throw new InvalidOperationException($"the refusal answer for {reason.Name()} exceeds {MaxReasonStringBytes} bytes");
        }

        return answer;
    }

    /// <summary>A PUBACK reason code (PUBREC uses the same values) and its reason string.</summary>
    internal sealed record Answer(MqttPubAckReasonCode Code, string ReasonString);
}

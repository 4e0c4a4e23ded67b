namespace TwinGuard.Twins.Gate;

/// <summary>What <see cref="ReadingPayloadParser"/> made of a payload.</summary>
/// <param name="Sequence">The <c>seq</c> member.</param>
/// <param name="TimestampMs">The <c>ts</c> member as Unix epoch milliseconds.</param>
/// <param name="Values">Values that are numbers of known signals.</param>
/// <param name="Rejected">Values refused one by one (unknown signal, wrong type, non-finite), with why.</param>
public sealed record ParsedPayload(long Sequence, long TimestampMs, SignalValue[] Values, IReadOnlyList<RejectedValue> Rejected)
{
    /// <summary>The <c>boot</c> member (0 when absent): the device's restart counter, which lets its <c>seq</c> start again.</summary>
    public long Boot { get; init; }
}

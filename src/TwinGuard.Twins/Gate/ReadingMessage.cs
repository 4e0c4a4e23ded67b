namespace TwinGuard.Twins.Gate;

/// <summary>One message of readings that passed the gate, on its way to the asset's twin.</summary>
/// <param name="DeviceId">The authenticated source.</param>
/// <param name="Sequence">The device's sequence number for this asset.</param>
/// <param name="TimestampMs">Sample time, Unix epoch milliseconds, as the device stated it.</param>
/// <param name="ArrivalTimestamp">Timestamp at arrival on the pipeline's clock (<see cref="ReadingGate.Time"/>), for latency measurement.</param>
/// <param name="Values">The values, already type-checked and finite.</param>
[GenerateSerializer, Immutable, Alias("twinguard.reading-message")]
public sealed record ReadingMessage(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] long TimestampMs,
    [property: Id(3)] long ArrivalTimestamp,
    [property: Id(4)] SignalValue[] Values)
{
    /// <summary>The device's restart counter (<c>boot</c> in the payload, 0 when absent); a higher one restarts <see cref="Sequence"/>.</summary>
    [Id(5)]
    public long Boot { get; init; }

    /// <summary>
    /// When an edge agent that stored and forwarded the message received it from the device (Unix epoch milliseconds, its
    /// clock); 0 for a message that came straight from the device. The twin judges the timestamp's skew against it
    /// (never later than now), so a backlog forwarded after a cut link is not refused as late (docs/edge.md).
    /// </summary>
    [Id(6)]
    public long ForwardedAtMs { get; init; }
}

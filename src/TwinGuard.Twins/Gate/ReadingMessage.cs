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
}

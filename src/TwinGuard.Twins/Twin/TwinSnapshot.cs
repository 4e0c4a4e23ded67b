using TwinGuard.Twins.Validate;

namespace TwinGuard.Twins.Twin;

/// <summary>A twin's state at one moment.</summary>
[GenerateSerializer, Immutable, Alias("twinguard.twin-snapshot")]
public sealed record TwinSnapshot(
    [property: Id(0)] string AssetId,
    [property: Id(1)] DateTimeOffset Time,
    [property: Id(2)] SignalSnapshot[] Signals);

/// <summary>One signal of a twin's state.</summary>
/// <param name="SignalId">The signal.</param>
/// <param name="Value">Last-known-good value, or null before the first.</param>
/// <param name="ValueTime">Device time of that value.</param>
/// <param name="Expected">The baseline's expected value.</param>
/// <param name="Spread">The baseline's standard deviation (the expected band is Expected ± 3·Spread).</param>
/// <param name="Trust">How far the value is trusted.</param>
[GenerateSerializer, Immutable, Alias("twinguard.signal-snapshot")]
public sealed record SignalSnapshot(
    [property: Id(0)] string SignalId,
    [property: Id(1)] double? Value,
    [property: Id(2)] DateTimeOffset? ValueTime,
    [property: Id(3)] double Expected,
    [property: Id(4)] double Spread,
    [property: Id(5)] SignalTrust Trust);

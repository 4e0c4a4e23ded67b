namespace TwinGuard.Twins.Twin;

/// <summary>Recent trusted readings of one signal, oldest first, with the twin's expectation at each of them.</summary>
/// <param name="AssetId">The asset.</param>
/// <param name="SignalId">The signal.</param>
/// <param name="TimesMs">Device time of each reading (Unix milliseconds).</param>
/// <param name="Values">The accepted values.</param>
/// <param name="Expected">The baseline's expected value right after each reading.</param>
/// <param name="Spread">The baseline's standard deviation right after each reading.</param>
/// <remarks>The four arrays have the same length; the twin keeps at most <see cref="TwinGrain.HistoryCapacity"/> per signal.</remarks>
[GenerateSerializer, Immutable, Alias("twinguard.signal-history")]
public sealed record SignalHistory(
    [property: Id(0)] string AssetId,
    [property: Id(1)] string SignalId,
    [property: Id(2)] long[] TimesMs,
    [property: Id(3)] double[] Values,
    [property: Id(4)] double[] Expected,
    [property: Id(5)] double[] Spread);

namespace TwinGuard.Server.Api;

/// <summary>Recent trusted readings of one signal, column-wise (as charts want them), with the expected band and anomalies.</summary>
/// <param name="AssetId">The asset.</param>
/// <param name="SignalId">The signal.</param>
/// <param name="Unit">Unit.</param>
/// <param name="BandWidth">k in expected ± k·spread.</param>
/// <param name="Times">Device time of each reading, Unix seconds (fractional).</param>
/// <param name="Values">Values.</param>
/// <param name="Lower">Lower edge of the expected band at each reading.</param>
/// <param name="Upper">Upper edge of the expected band at each reading.</param>
/// <param name="Anomalies">Findings on this signal in the same span of time.</param>
internal sealed record ReadingsView(
    string AssetId,
    string SignalId,
    string Unit,
    double BandWidth,
    IReadOnlyList<double> Times,
    IReadOnlyList<double> Values,
    IReadOnlyList<double> Lower,
    IReadOnlyList<double> Upper,
    IReadOnlyList<AnomalyMark> Anomalies);

namespace TwinGuard.Twins.Detect;

/// <summary>One signal whose streaming detectors' thresholds analysts' verdicts raised (<see cref="DetectorTuning"/>).</summary>
/// <param name="AssetId">The asset.</param>
/// <param name="SignalId">The signal.</param>
/// <param name="Factor">By how much its thresholds are multiplied (above 1, at most <see cref="DetectorTuning.MaxFactor"/>).</param>
public sealed record SignalTuning(string AssetId, string SignalId, double Factor);

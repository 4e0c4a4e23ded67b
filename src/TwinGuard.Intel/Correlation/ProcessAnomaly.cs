namespace TwinGuard.Intel.Correlation;

/// <summary>A finding from process-data detection (validation, baselines, models, twin residuals) about one asset.</summary>
/// <param name="Time">When the anomalous data was observed.</param>
/// <param name="AssetId">The asset.</param>
/// <param name="DeviceId">The device that sent the data, if known.</param>
/// <param name="Description">What was anomalous, for people.</param>
public sealed record ProcessAnomaly(DateTimeOffset Time, string AssetId, string? DeviceId, string Description);

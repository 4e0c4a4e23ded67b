using System.Collections.Concurrent;

namespace TwinGuard.Twins.Detect;

/// <summary>
/// How much more sensitive the streaming detectors should be on each asset: 1 by default; above 1 when threat
/// intelligence names the asset (its id, kind or a tag) as the target of a current campaign.
/// </summary>
/// <remarks>Thresholds are divided by the factor. Written rarely (when feeds change), read on every reading.</remarks>
public sealed class DetectionSensitivity
{
    private readonly ConcurrentDictionary<string, double> _factors = new(StringComparer.Ordinal);

    /// <summary>The factor for an asset; 1 when nothing raised it.</summary>
    public double Of(string assetId) => _factors.TryGetValue(assetId, out var factor) ? factor : 1.0;

    /// <summary>Sets an asset's factor (values below 1 are taken as 1: intelligence never makes detection blinder).</summary>
    public void Set(string assetId, double factor) => _factors[assetId] = double.IsFinite(factor) ? Math.Max(1.0, factor) : 1.0;
}

using System.Net;

namespace TwinGuard.Intel.Correlation;

/// <summary>How the intel correlator joins matches and anomalies.</summary>
public sealed record IntelCorrelatorOptions
{
    /// <summary>The clock that ages remembered matches and anomalies out.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>A match and an anomaly at most this far apart on the same asset or device make an incident.</summary>
    /// <value>15 minutes.</value>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Which asset and device an address belongs to (for network events); null when unknown.</summary>
    public Func<IPAddress, AssetRef?> ResolveAddress { get; init; } = _ => null;

    /// <summary>Matches weaker than this make <see cref="IntelSeverity.Low"/> findings and no incidents.</summary>
    /// <value>0.2.</value>
    public double MinimumIncidentWeight { get; init; } = 0.2;

    /// <summary>The most a feed can raise an asset's detection sensitivity (see <see cref="IntelCorrelator.SensitivityFactor"/>).</summary>
    /// <value>2.</value>
    public double MaxSensitivityFactor { get; init; } = 2.0;

    /// <summary>Most matches and anomalies remembered per asset or device; older ones are forgotten first.</summary>
    /// <value>256.</value>
    public int MaxRememberedPerKey { get; init; } = 256;
}

using TwinGuard.Intel.Correlation;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;

namespace TwinGuard.Twins.Correlate;

/// <summary>
/// Threat intelligence inside the correlate stage: every client's connection attempt (from any transport, through the
/// gate's <see cref="ReadingGate.Connecting"/>) and every process anomaly the stage admits go to the
/// <see cref="IntelMonitor"/>; its matches come back as <see cref="ReasonCode.IntelMatch"/> findings, and a match next to
/// an anomaly on the same asset or device as a critical one, which opens an incident at once.
/// </summary>
/// <remarks>The monitor's own loop (feed refreshes, network logs) is driven by the host.</remarks>
public sealed class IntelAdapter : IDisposable
{
    private readonly IntelMonitor _monitor;
    private readonly EvidenceSink _evidence;
    private readonly ReadingGate _gate;

    /// <summary>Connects <paramref name="monitor"/> to the gate's connection attempts and its matches to <paramref name="evidence"/>.</summary>
    public IntelAdapter(IntelMonitor monitor, ReadingGate gate, EvidenceSink evidence)
    {
        (_monitor, _gate, _evidence) = (monitor, gate, evidence);
        _monitor.Correlated += OnCorrelated;
        _gate.Connecting += OnConnecting;
    }

    /// <summary>The monitor, for the API and for recording quarantined addresses.</summary>
    public IntelMonitor Monitor => _monitor;

    /// <summary>Takes an admitted finding: process anomalies are what the data says, not who sent it (sources are matched through their connections).</summary>
    public void Observe(Finding finding)
    {
        if (finding.AssetId is { } asset && !finding.Reason.IsAboutSource() && finding.Reason != ReasonCode.IntelMatch)
        {
            _monitor.ObserveAnomaly(new ProcessAnomaly(finding.Time, asset, finding.DeviceId, $"{finding.Reason.Name()}: {finding.Message}"));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _gate.Connecting -= OnConnecting;
        _monitor.Correlated -= OnCorrelated;
    }

    private void OnConnecting(ConnectionAttempt attempt)
    {
        if (attempt.RemoteAddress is { } address)
        {
            _monitor.ObserveConnection(new ConnectionEvent(_evidence.Time.GetUtcNow(), attempt.Transport, attempt.ClientId, attempt.DeviceId ?? attempt.Identity, address));
        }
    }

    private void OnCorrelated(object? sender, CorrelationResult result)
    {
        foreach (var f in result.Findings)
        {
            _evidence.Raise(new Finding(f.Time, ReasonCode.IntelMatch, Map(f.Severity), f.Asset.AssetId, null, f.Asset.DeviceId, null, f.Match.Weight,
                $"{f.Observation} matches {f.Match.Indicator.Type} indicator '{f.Match.Indicator.Value}' of feed '{f.Match.Indicator.FeedId}'",
                f.Match.Indicator.Description));
        }

        foreach (var i in result.Incidents)
        {
            _evidence.Raise(new Finding(i.Time, ReasonCode.IntelMatch, Severity.Critical, i.Anomaly.AssetId, null, i.Finding.Asset.DeviceId ?? i.Anomaly.DeviceId, null,
                i.Finding.Match.Weight, i.Summary, i.Anomaly.Description));
        }
    }

    private static Severity Map(IntelSeverity severity) => severity switch
    {
        IntelSeverity.High => Severity.High,
        IntelSeverity.Medium => Severity.Medium,
        _ => Severity.Low,
    };
}

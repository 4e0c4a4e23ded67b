using System.Globalization;
using System.Net;
using TwinGuard.Intel.Correlation;
using TwinGuard.Intel.Network;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Correlate;

/// <summary>
/// Threat intelligence inside the correlate stage: every client's connection attempt (from any transport, through the
/// gate's <see cref="ReadingGate.Connecting"/>) and every process anomaly the stage admits go to the
/// <see cref="IntelMonitor"/>; its matches come back as <see cref="ReasonCode.IntelMatch"/> findings, and a match next to
/// an anomaly on the same asset or device as a critical one, which opens an incident at once. Every IDS alert of the
/// followed network logs becomes an <see cref="ReasonCode.IdsAlert"/> finding on the device (and asset) its addresses
/// belong to, IOC match or not.
/// </summary>
/// <remarks>The monitor's own loop (feed refreshes, network logs) is driven by the host.</remarks>
public sealed class IntelAdapter : IDisposable
{
    private readonly IntelMonitor _monitor;
    private readonly EvidenceSink _evidence;
    private readonly ReadingGate _gate;

    /// <summary>Connects <paramref name="monitor"/> to the gate's connection attempts and its matches and alerts to <paramref name="evidence"/>.</summary>
    public IntelAdapter(IntelMonitor monitor, ReadingGate gate, EvidenceSink evidence)
    {
        (_monitor, _gate, _evidence) = (monitor, gate, evidence);
        _monitor.Correlated += OnCorrelated;
        _monitor.NetworkAlert += OnNetworkAlert;
        _gate.Connecting += OnConnecting;
    }

    /// <summary>
    /// The device of the plant model that connects from <paramref name="address"/> (by its declared <c>addresses:</c>),
    /// with the asset it publishes to when that is one asset; null when no device, or more than one (a shared gateway
    /// address names nobody in particular), declares the address.
    /// </summary>
    public static AssetRef? Resolve(PlantModel plant, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(plant);
        ArgumentNullException.ThrowIfNull(address);
        var claiming = plant.Devices.Where(d => d.Addresses.Count > 0 && d.IsExpectedAddress(address)).Take(2).ToList();
        if (claiming is not [var device])
        {
            return null;
        }

        var assets = plant.Assets
            .Where(a => device.Topics.Any(f =>
                TopicFilter.Matches(f, $"{plant.Site.TopicPrefix}/{a.Id}") || a.Signals.Any(s => TopicFilter.Matches(f, $"{plant.Site.TopicPrefix}/{a.Id}/{s.Id}"))))
            .Take(2)
            .ToList();
        return new AssetRef(assets.Count == 1 ? assets[0].Id : null, device.Id);
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
        _monitor.NetworkAlert -= OnNetworkAlert;
        _monitor.Correlated -= OnCorrelated;
    }

    private void OnConnecting(ConnectionAttempt attempt)
    {
        if (attempt.RemoteAddress is { } address)
        {
            _monitor.ObserveConnection(new ConnectionEvent(_evidence.Time.GetUtcNow(), attempt.Transport, attempt.ClientId, attempt.DeviceId ?? attempt.Identity, address));
        }
    }

    private void OnNetworkAlert(object? sender, NetworkEvent alert)
    {
        var plant = _gate.Plant;
        var (where, role) = Resolve(plant, alert.DestinationAddress) is { } destination ? (destination, "destination")
            : Resolve(plant, alert.SourceAddress) is { } source ? (source, "source")
            : (new AssetRef(null, null), (string?)null);
        // Suricata's severity: 1 is the most severe; 3 and 4 are informational in most rule sets.
        var severity = alert.Severity switch { 1 => Severity.High, 2 => Severity.Medium, _ => Severity.Low };
        var signature = alert.SignatureId is { } id ? id.ToString(CultureInfo.InvariantCulture) + " " : string.Empty;
        var device = role is null ? "no device of the plant" : $"{role} is device '{where.DeviceId}'";
        _evidence.Raise(new Finding(
            alert.Time, ReasonCode.IdsAlert, severity, where.AssetId, null, where.DeviceId, null, 0,
            $"{alert.Sensor} alert {signature}'{alert.Signature}' {alert.Protocol} {NetworkEvent.Endpoint(alert.SourceAddress, alert.SourcePort)} -> {NetworkEvent.Endpoint(alert.DestinationAddress, alert.DestinationPort)} ({device})",
            alert.FlowId is null ? null : "flow " + alert.FlowId));
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

using TwinGuard.Ingest.Mqtt;
using TwinGuard.Intel.Correlation;
using TwinGuard.Intel.Feeds;
using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// Connects threat intelligence to the data path: MQTT connection attempts and process anomalies go to the
/// <see cref="IntelMonitor"/>; its matches come back as <see cref="ReasonCode.IntelMatch"/> findings, and a match next
/// to an anomaly on the same asset or device as a critical one, which opens an incident at once.
/// </summary>
/// <remarks>Feeds are the ones imported with <c>twinguard intel import</c> into the data directory.</remarks>
internal sealed class IntelBridge : IHostedService, IDisposable
{
    private readonly IntelMonitor _monitor;
    private readonly EvidenceSink _evidence;
    private readonly EmbeddedBroker _broker;
    private readonly RecordStage _record;
    private readonly FeedRefresher _refresher;
    private readonly IntelCorrelator _correlator;
    private readonly DetectionSensitivity _sensitivity;
    private readonly PlantModel _plant;
    private readonly HttpClient _http = FeedHttp.CreateClient(TimeSpan.FromSeconds(60));
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;

    public IntelBridge(HostSettings settings, EvidenceSink evidence, EmbeddedBroker broker, RecordStage record, DetectionSensitivity sensitivity)
    {
        _evidence = evidence;
        _broker = broker;
        _record = record;
        _sensitivity = sensitivity;
        _plant = settings.Plant;
        var store = new FeedStore(Path.Combine(settings.DataDirectory, "intel"));
        var refresher = _refresher = new FeedRefresher(store.List().Select(f => f.Source), _http, new FeedRefresherOptions { TimeProvider = settings.Time }, store);
        refresher.LoadStored();
        var correlator = _correlator = new IntelCorrelator(() => refresher.Index, new IntelCorrelatorOptions { TimeProvider = settings.Time });
        _monitor = new IntelMonitor(refresher, correlator, new IntelMonitorOptions
        {
            SightingLogPath = Path.Combine(settings.DataDirectory, "intel", "sightings.jsonl"),
            NetworkLogs = settings.NetworkLogs,
            TimeProvider = settings.Time,
        });
    }

    /// <summary>The monitor, for the API and for recording quarantined addresses.</summary>
    public IntelMonitor Monitor => _monitor;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _monitor.Correlated += OnCorrelated;
        _refresher.IndexChanged += OnIndexChanged;
        UpdateSensitivity();
        _broker.Connecting += OnConnecting;
        _record.FindingStored += OnFindingStored;
        _running = Task.Run(() => _monitor.RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _broker.Connecting -= OnConnecting;
        _record.FindingStored -= OnFindingStored;
        await _stopping.CancelAsync();
        try
        {
            await _running.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _http.Dispose();
    }

    private void OnIndexChanged(object? sender, Intel.Index.IocIndex index) => UpdateSensitivity();

    /// <summary>Feeds that name an asset (by id, kind or tag) as a campaign's target make its detectors more sensitive.</summary>
    private void UpdateSensitivity()
    {
        foreach (var asset in _plant.Assets)
        {
            _sensitivity.Set(asset.Id, _correlator.SensitivityFactor(asset.Id, asset.Kind, asset.Tags));
        }
    }

    private void OnConnecting(ConnectionAttempt attempt)
    {
        if (attempt.RemoteAddress is { } address)
        {
            _monitor.ObserveConnection(new ConnectionEvent(_evidence.Time.GetUtcNow(), "mqtt", attempt.ClientId, attempt.Device?.Id ?? attempt.UserName, address));
        }
    }

    private void OnFindingStored(long id, Finding finding)
    {
        // Process anomalies: what the data says, not who sent it (those are matched through their connections).
        if (finding.AssetId is { } asset && !finding.Reason.IsAboutSource() && finding.Reason != ReasonCode.IntelMatch)
        {
            _monitor.ObserveAnomaly(new ProcessAnomaly(finding.Time, asset, finding.DeviceId, $"{finding.Reason.Name()}: {finding.Message}"));
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

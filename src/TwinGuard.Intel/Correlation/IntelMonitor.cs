using System.Net;
using TwinGuard.Intel.Feeds;
using TwinGuard.Intel.Indicators;
using TwinGuard.Intel.Network;
using TwinGuard.Intel.Sharing;

namespace TwinGuard.Intel.Correlation;

/// <summary>
/// Runs threat intel in a host: keeps the feeds fresh, follows the network logs, feeds every event to the
/// <see cref="IntelCorrelator"/>, and hands findings and incidents to the pipeline.
/// </summary>
/// <remarks>
/// The pipeline calls <see cref="ObserveConnection"/> for each MQTT or Modbus connection and
/// <see cref="ObserveAnomaly"/> for each process anomaly; results from every source arrive through
/// <see cref="Correlated"/>. Malformed log lines and failed refreshes arrive through <see cref="Problem"/>; neither
/// stops anything. Each match is appended to the sighting log, so <c>twinguard intel export-sightings</c> shares it.
/// </remarks>
public sealed class IntelMonitor
{
    private readonly FeedRefresher _refresher;
    private readonly IntelMonitorOptions _options;
    private readonly SightingLog? _sightings;

    /// <summary>Creates a monitor.</summary>
    /// <param name="refresher">The feeds (call <see cref="FeedRefresher.LoadStored"/> first to start with stored copies).</param>
    /// <param name="correlator">The correlator; build it over <c>() =&gt; refresher.Index</c>.</param>
    /// <param name="options">Logs to follow, polling, sighting log.</param>
    public IntelMonitor(FeedRefresher refresher, IntelCorrelator correlator, IntelMonitorOptions? options = null)
    {
        _refresher = refresher ?? throw new ArgumentNullException(nameof(refresher));
        Correlator = correlator ?? throw new ArgumentNullException(nameof(correlator));
        _options = options ?? new IntelMonitorOptions();
        _sightings = _options.SightingLogPath is { } path ? new SightingLog(path) : null;
    }

    /// <summary>Raised for every observation that produced findings or incidents.</summary>
    public event EventHandler<CorrelationResult>? Correlated;

    /// <summary>Raised with one line for each malformed log line or failed feed refresh.</summary>
    public event EventHandler<string>? Problem;

    /// <summary>Raised for every IDS alert the followed network logs report, whether or not a feed lists either end.</summary>
    public event EventHandler<NetworkEvent>? NetworkAlert;

    /// <summary>The correlator (for <see cref="IntelCorrelator.SensitivityFactor"/> and <see cref="IntelCorrelator.Sightings"/>).</summary>
    public IntelCorrelator Correlator { get; }

    /// <summary>A client connected; see <see cref="IntelCorrelator.Observe(ConnectionEvent)"/>.</summary>
    public CorrelationResult ObserveConnection(ConnectionEvent connection) => Publish(Correlator.Observe(connection));

    /// <summary>Process detection flagged an asset; see <see cref="IntelCorrelator.Observe(ProcessAnomaly)"/>.</summary>
    public CorrelationResult ObserveAnomaly(ProcessAnomaly anomaly) => Publish(Correlator.Observe(anomaly));

    /// <summary>We quarantined a device at this address: share the address with the next sightings export.</summary>
    public void RecordQuarantine(IPAddress address, string deviceId)
    {
        var now = _options.TimeProvider.GetUtcNow();
        Correlator.RecordQuarantine(address, deviceId, now);
        var canonical = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        _sightings?.Append(
        [
            new Sighting(new IndicatorAtom(IndicatorType.IPAddress, canonical.ToString()), now, now, 1, $"quarantined device '{deviceId}'")
            {
                IsSource = true,
            },
        ]);
    }

    /// <summary>Refreshes feeds on their schedule and follows every log until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var tasks = new List<Task> { RefreshAsync(cancellationToken) };
        tasks.AddRange(_options.NetworkLogs.Select(path => FollowAsync(path, cancellationToken)));
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var status in await _refresher.RefreshAllAsync(cancellationToken))
            {
                if (status.LastError is not null)
                {
                    Problem?.Invoke(this, status.Describe());
                }
            }

            await Task.Delay(_refresher.Interval, _options.TimeProvider, cancellationToken);
        }
    }

    private async Task FollowAsync(string path, CancellationToken cancellationToken)
    {
        using var reader = new NetworkLogReader(path);
        var problems = new List<string>();
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var ev in reader.ReadAvailable(problems))
            {
                if (ev.Kind == NetworkEventKind.Alert)
                {
                    NetworkAlert?.Invoke(this, ev);
                }

                Publish(Correlator.Observe(ev));
            }

            foreach (var problem in problems)
            {
                Problem?.Invoke(this, problem);
            }

            problems.Clear();
            await Task.Delay(_options.PollInterval, _options.TimeProvider, cancellationToken);
        }
    }

    private CorrelationResult Publish(CorrelationResult result)
    {
        if (result.Findings.Count == 0 && result.Incidents.Count == 0)
        {
            return result;
        }

        _sightings?.Append(result.Findings.Select(f => new Sighting(f.Match.Indicator.Atom, f.Time, f.Time, 1, f.Observation)));
        Correlated?.Invoke(this, result);
        return result;
    }
}

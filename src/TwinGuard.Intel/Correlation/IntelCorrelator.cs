using System.Globalization;
using System.Net;
using TwinGuard.Intel.Index;
using TwinGuard.Intel.Indicators;
using TwinGuard.Intel.Network;

namespace TwinGuard.Intel.Correlation;

/// <summary>
/// Joins what the network and the ingest endpoints show with threat intel and with process anomalies: every IOC
/// match is a finding; a match and a process anomaly on the same asset or device within
/// <see cref="IntelCorrelatorOptions.Window"/> make a high-severity incident.
/// </summary>
/// <remarks>
/// Pure logic with bounded memory: no I/O, time from the events themselves (matching and pairing) and from
/// <see cref="IntelCorrelatorOptions.TimeProvider"/> (forgetting). Thread-safe. Each match also counts as a sighting:
/// it refreshes the indicator's decay in the index and is kept for <see cref="Sightings"/> to share.
/// </remarks>
public sealed class IntelCorrelator
{
    private const int SweepEvery = 1024;
    private readonly Func<IocIndex> _index;
    private readonly IntelCorrelatorOptions _options;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedList<IntelFinding>> _findings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LinkedList<ProcessAnomaly>> _anomalies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _raised = new(StringComparer.Ordinal);
    private readonly Dictionary<IndicatorAtom, Sighting> _sightings = [];
    private int _sinceSweep;

    /// <summary>Creates a correlator.</summary>
    /// <param name="index">Returns the current index (e.g. <c>() =&gt; refresher.Index</c>), read on every observation.</param>
    /// <param name="options">Window, clock, address resolution.</param>
    public IntelCorrelator(Func<IocIndex> index, IntelCorrelatorOptions? options = null)
    {
        _index = index ?? throw new ArgumentNullException(nameof(index));
        _options = options ?? new IntelCorrelatorOptions();
    }

    /// <summary>Our sightings so far, for <see cref="Sharing.SightingExporter"/>.</summary>
    public IReadOnlyList<Sighting> Sightings
    {
        get
        {
            lock (_lock)
            {
                return _sightings.Values.OrderBy(s => s.FirstSeen).ToArray();
            }
        }
    }

    /// <summary>A client connected (MQTT CONNECT, Modbus session): is its address in a feed?</summary>
    public CorrelationResult Observe(ConnectionEvent connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (_index().Match(connection.RemoteAddress, connection.Time) is not { } match)
        {
            return CorrelationResult.None;
        }

        var device = connection.DeviceId is null ? string.Empty : $" (device '{connection.DeviceId}')";
        var finding = new IntelFinding(
            connection.Time,
            match,
            $"{connection.Protocol} connect from {connection.RemoteAddress} as client '{connection.ClientId}'{device}",
            new AssetRef(connection.AssetId, connection.DeviceId),
            Severity(match, alert: false));
        return Record([finding], source: true);
    }

    /// <summary>A network event (IDS alert, flow, connection): is either end in a feed?</summary>
    public CorrelationResult Observe(NetworkEvent networkEvent)
    {
        ArgumentNullException.ThrowIfNull(networkEvent);
        var index = _index();
        var findings = new List<IntelFinding>(2);
        foreach (var (address, other, role) in new[]
                 {
                     (networkEvent.SourceAddress, networkEvent.DestinationAddress, "source"),
                     (networkEvent.DestinationAddress, networkEvent.SourceAddress, "destination"),
                 })
        {
            if (index.Match(address, networkEvent.Time) is not { } match)
            {
                continue;
            }

            var asset = _options.ResolveAddress(other) ?? _options.ResolveAddress(address) ?? new AssetRef(null, null);
            var what = networkEvent.Kind == NetworkEventKind.Alert
                ? $"{networkEvent.Sensor} alert '{networkEvent.Signature}'"
                : $"{networkEvent.Sensor} {networkEvent.Kind.ToString().ToLowerInvariant()}";
            findings.Add(new IntelFinding(
                networkEvent.Time,
                match,
                $"{what} {networkEvent.Protocol} {NetworkEvent.Endpoint(networkEvent.SourceAddress, networkEvent.SourcePort)} -> "
                + $"{NetworkEvent.Endpoint(networkEvent.DestinationAddress, networkEvent.DestinationPort)} ({role} matched)",
                asset,
                Severity(match, networkEvent.Kind == NetworkEventKind.Alert)));
        }

        return findings.Count == 0 ? CorrelationResult.None : Record(findings, source: false);
    }

    /// <summary>Process-data detection flagged an asset: did intel match on it or its device within the window?</summary>
    public CorrelationResult Observe(ProcessAnomaly anomaly)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        var incidents = new List<IntelIncident>();
        lock (_lock)
        {
            Tick();
            foreach (var key in Keys(anomaly.AssetId, anomaly.DeviceId))
            {
                Remember(_anomalies, key, anomaly);
                if (_findings.TryGetValue(key, out var findings))
                {
                    foreach (var finding in findings)
                    {
                        TryRaise(key, finding, anomaly, incidents);
                    }
                }
            }
        }

        return incidents.Count == 0 ? CorrelationResult.None : new CorrelationResult([], incidents);
    }

    /// <summary>
    /// Records that we quarantined a device at this address, so that the sightings export shares the address.
    /// </summary>
    public void RecordQuarantine(IPAddress address, string deviceId, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(address);
        lock (_lock)
        {
            AddSighting(new IndicatorAtom(IndicatorType.IPAddress, Canonical(address)), time, $"quarantined device '{deviceId}'", source: true);
        }
    }

    /// <summary>
    /// How much more sensitive detection should be for an asset because feeds name it as targeted: 1 when no feed
    /// does, up to <see cref="IntelCorrelatorOptions.MaxSensitivityFactor"/> for a fresh, fully trusted one.
    /// </summary>
    /// <param name="assetId">The asset (feeds name it as <c>asset:ID</c>).</param>
    /// <param name="assetKind">Its kind, e.g. <c>plc</c> (feeds name it as <c>kind:plc</c>).</param>
    /// <param name="tags">Its tags (feeds name them as <c>tag:line-3</c>).</param>
    /// <returns>The factor: divide thresholds by it, or multiply scores.</returns>
    public double SensitivityFactor(string assetId, string? assetKind, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(assetId);
        var weights = _index().TargetWeights(_options.TimeProvider.GetUtcNow());
        if (weights.Count == 0)
        {
            return 1.0;
        }

        var names = new List<string> { "asset:" + assetId };
        if (assetKind is not null)
        {
            names.Add("kind:" + assetKind);
        }

        names.AddRange((tags ?? []).Select(t => "tag:" + t));
        var weight = names.Select(n => weights.GetValueOrDefault(n)).DefaultIfEmpty(0).Max();
        return 1.0 + ((_options.MaxSensitivityFactor - 1.0) * weight);
    }

    private CorrelationResult Record(List<IntelFinding> findings, bool source)
    {
        var incidents = new List<IntelIncident>();
        var index = _index();
        lock (_lock)
        {
            Tick();
            foreach (var finding in findings)
            {
                var atom = finding.Match.Indicator.Atom;
                AddSighting(atom, finding.Time, finding.Observation, source);
                index.RecordSighting(atom, finding.Time);
                if (finding.Severity == IntelSeverity.Low)
                {
                    continue;
                }

                foreach (var key in Keys(finding.Asset.AssetId, finding.Asset.DeviceId))
                {
                    Remember(_findings, key, finding);
                    if (_anomalies.TryGetValue(key, out var anomalies))
                    {
                        foreach (var anomaly in anomalies)
                        {
                            TryRaise(key, finding, anomaly, incidents);
                        }
                    }
                }
            }
        }

        return new CorrelationResult(findings, incidents);
    }

    private void TryRaise(string key, IntelFinding finding, ProcessAnomaly anomaly, List<IntelIncident> incidents)
    {
        if ((finding.Time - anomaly.Time).Duration() > _options.Window)
        {
            return;
        }

        // One incident per indicator and anomaly, however many keys (asset, device) join them.
        var indicator = finding.Match.Indicator;
        var dedupe = $"{indicator.Type}|{indicator.Value}|{anomaly.AssetId}|{anomaly.Time.UtcTicks.ToString(CultureInfo.InvariantCulture)}";
        if (!_raised.TryAdd(dedupe, finding.Time > anomaly.Time ? finding.Time : anomaly.Time))
        {
            return;
        }

        var time = finding.Time > anomaly.Time ? finding.Time : anomaly.Time;
        var gap = (finding.Time - anomaly.Time).Duration();
        incidents.Add(new IntelIncident(
            time,
            IntelSeverity.High,
            finding,
            anomaly,
            $"{key}: {finding.Observation} matched {indicator.Type} {indicator.Value} from feed {indicator.FeedId} "
            + $"(weight {finding.Match.Weight.ToString("0.00", CultureInfo.InvariantCulture)}), "
            + $"{gap.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s from anomaly: {anomaly.Description}"));
    }

    private IntelSeverity Severity(IocMatch match, bool alert)
    {
        if (!match.Indicator.IsComplete || match.Weight < _options.MinimumIncidentWeight)
        {
            return IntelSeverity.Low;
        }

        return alert ? IntelSeverity.High : IntelSeverity.Medium;
    }

    private void Remember<T>(Dictionary<string, LinkedList<T>> memory, string key, T item)
    {
        if (!memory.TryGetValue(key, out var list))
        {
            memory[key] = list = new LinkedList<T>();
        }

        list.AddLast(item);
        while (list.Count > _options.MaxRememberedPerKey)
        {
            list.RemoveFirst();
        }
    }

    private void AddSighting(IndicatorAtom atom, DateTimeOffset time, string note, bool source)
    {
        _sightings[atom] = _sightings.TryGetValue(atom, out var seen)
            ? seen with
            {
                FirstSeen = time < seen.FirstSeen ? time : seen.FirstSeen,
                LastSeen = time > seen.LastSeen ? time : seen.LastSeen,
                Count = seen.Count + 1,
                Note = note,
            }
            : new Sighting(atom, time, time, 1, note) { IsSource = source };
    }

    /// <summary>Forgets matches, anomalies and raised incidents older than the window, every <see cref="SweepEvery"/> calls.</summary>
    private void Tick()
    {
        if (++_sinceSweep < SweepEvery)
        {
            return;
        }

        _sinceSweep = 0;
        var horizon = _options.TimeProvider.GetUtcNow() - (2 * _options.Window);
        Forget(_findings, f => f.Time < horizon);
        Forget(_anomalies, a => a.Time < horizon);
        foreach (var key in _raised.Where(r => r.Value < horizon).Select(r => r.Key).ToArray())
        {
            _raised.Remove(key);
        }
    }

    private static void Forget<T>(Dictionary<string, LinkedList<T>> memory, Func<T, bool> old)
    {
        foreach (var (key, list) in memory.ToArray())
        {
            while (list.First is { } first && old(first.Value))
            {
                list.RemoveFirst();
            }

            if (list.Count == 0)
            {
                memory.Remove(key);
            }
        }
    }

    private static IEnumerable<string> Keys(string? assetId, string? deviceId)
    {
        if (assetId is not null)
        {
            yield return "asset " + assetId;
        }

        if (deviceId is not null)
        {
            yield return "device " + deviceId;
        }
    }

    private static string Canonical(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString();
}

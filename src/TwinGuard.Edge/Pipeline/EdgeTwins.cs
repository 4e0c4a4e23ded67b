using TwinGuard.Edge.Uplink;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Edge.Pipeline;

/// <summary>
/// Where the edge's gate hands accepted messages: the asset's <see cref="AssetTwin"/>, then the relations, then the
/// uplink (each accepted reading is queued on disk for the site before the device is acknowledged).
/// </summary>
/// <remarks>One message at a time under one lock: a gateway serves a few devices at a few hertz, and the order of
/// a device's readings is the order of its sequence numbers.</remarks>
internal sealed class EdgeTwins : ITwinInbox, IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, AssetTwin> _twins;
    private readonly RelationSet _relations;
    private readonly QuarantineList _quarantine;
    private readonly EdgeOutbox _outbox;
    private readonly TimeProvider _time;
    private readonly ITimer _staleness;

    /// <summary>How often the twins are checked for staleness: four of the shortest sample period of their signals.</summary>
    private readonly TimeSpan _stalenessInterval;
    private bool _anyAccepted;

    public EdgeTwins(PlantModel plant, IReadOnlySet<string> assets, EvidenceSink evidence, QuarantineList quarantine, EdgeOutbox outbox)
    {
        _quarantine = quarantine;
        _outbox = outbox;
        _time = evidence.Time;
        _twins = plant.Assets.Where(a => assets.Contains(a.Id)).ToDictionary(a => a.Id, a => new AssetTwin(plant, a, evidence), StringComparer.Ordinal);
        _relations = new RelationSet(plant, assets, evidence);
        _stalenessInterval = _twins.Count == 0 ? TimeSpan.FromSeconds(1) : _twins.Values.SelectMany(t => t.Asset.Signals).Min(s => s.Period) * 4;
        _staleness = _time.CreateTimer(_ => CheckStaleness(), null, _stalenessInterval, _stalenessInterval);
    }

    /// <summary>Raised once, when the first reading is accepted (the agent reports its start-up time with it).</summary>
    public event Action? FirstAccepted;

    /// <summary>Relations evaluated at the edge.</summary>
    public int Relations => _relations.Count;

    /// <inheritdoc />
    public ValueTask<Task<TwinVerdict>> DeliverAsync(AssetModel asset, ReadingMessage message, bool kept, bool alone = false)
    {
        TwinVerdict verdict;
        lock (_gate)
        {
            if (!_twins.TryGetValue(asset.Id, out var twin))
            {
                // An asset of the plant that another edge (or the site) serves: its readings do not come here.
                return ValueTask.FromResult(TwinVerdict.AcceptedTask);
            }

            var now = _time.GetUtcNow();
            var accepted = twin.Ingest(message, now, _relations, out verdict);
            _relations.Evaluate(now, (a, s) => _quarantine.IsAssetQuarantined(a) || _quarantine.IsSignalQuarantined(a, s));
            if (accepted.Count > 0)
            {
                _outbox.EnqueueReading(asset, message, accepted);
                if (!_anyAccepted)
                {
                    _anyAccepted = true;
                    FirstAccepted?.Invoke();
                }
            }
        }

        // The device hears the edge twin's refusal as it would the site's (the site judges again what is forwarded).
        return ValueTask.FromResult(verdict.Refusal is null ? TwinVerdict.AcceptedTask : Task.FromResult(verdict));
    }

    /// <inheritdoc />
    public void Dispose() => _staleness.Dispose();

    private void CheckStaleness()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            foreach (var twin in _twins.Values)
            {
                twin.CheckStaleness(now, _stalenessInterval);
            }
        }
    }
}

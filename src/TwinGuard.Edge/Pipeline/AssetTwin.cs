using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Relations;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Edge.Pipeline;

/// <summary>
/// The edge's twin of one asset: the site twin's validation and per-signal streaming detectors
/// (<see cref="ReadingValidator"/>, <see cref="SignalDetector"/>) on the readings its gate let through, without a silo.
/// </summary>
/// <remarks>
/// Follows the site's <c>TwinGrain.Ingest</c> rule for rule: a value that fails validation never reaches the trusted
/// state; a detector hit on a signal whose relations hold is an operating change; hits on several signals of one asset
/// at once are an operating change. The multivariate model stays at the site (it needs the training history and the
/// memory a gateway has not). Not thread-safe: <see cref="EdgeTwins"/> runs one message at a time.
/// </remarks>
internal sealed class AssetTwin
{
    private readonly PlantModel _plant;
    private readonly AssetModel _asset;
    private readonly EvidenceSink _evidence;
    private readonly ReadingValidator _validator;
    private readonly SignalState[] _signals;
    private readonly SignalDetector[] _detectors;
    private readonly RelationRoutes _routes;
    private readonly List<(int Index, double Value, (ReasonCode Reason, double Score, string Detail) Found)> _hits = [];

    public AssetTwin(PlantModel plant, AssetModel asset, EvidenceSink evidence)
    {
        _plant = plant;
        _asset = asset;
        _evidence = evidence;
        _validator = new ReadingValidator(asset, plant.Validation);
        _signals = new SignalState[asset.Signals.Count];
        // The same noise floor as the site's twin: a thousandth of the signal's span.
        _detectors = [.. asset.Signals.Select(s => new SignalDetector(plant.Detection, (s.Max - s.Min) / 1000))];
        _routes = RelationRoutes.For(plant, asset);
    }

    /// <summary>The asset.</summary>
    public AssetModel Asset => _asset;

    /// <summary>The relations that read this asset's signals, by id, in <see cref="RelationRoutes"/> order.</summary>
    public RelationRoutes Routes => _routes;

    /// <summary>Validates and scores one message; returns the values accepted into the trusted state.</summary>
    /// <param name="message">What the gate let through.</param>
    /// <param name="now">Server time.</param>
    /// <param name="relations">Evaluates the twin relations; told every accepted value and asked whether they explain a signal.</param>
    public IReadOnlyList<SignalValue> Ingest(ReadingMessage message, DateTimeOffset now, RelationSet relations)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        foreach (var value in message.Values)
        {
            _signals[value.SignalIndex].LastSeenMs = nowMs;
            _signals[value.SignalIndex].StaleRaised = false;
        }

        if (_validator.CheckMessage(message.DeviceId, message.Boot, message.Sequence, message.TimestampMs, nowMs) is { } refusal)
        {
            Refuse(message, null, refusal.Reason, refusal.Detail, now);
            return [];
        }

        var accepted = new List<SignalValue>(message.Values.Length);
        foreach (var (index, value) in message.Values)
        {
            ref var state = ref _signals[index];
            var measurement = _asset.Signals[index].Kind == SignalKind.Measurement;
            if (measurement && _validator.CheckFrozen(index, ref state, value) is { } frozen)
            {
                state.Trust = SignalTrust.Suspect;
                Raise(message, index, ReasonCode.Frozen, value, state.Repeats, frozen, now);
            }

            if (_validator.CheckValue(index, ref state, value, message.TimestampMs) is { } invalid)
            {
                state.Trust = SignalTrust.Suspect;
                Refuse(message, index, invalid.Reason, invalid.Detail, now, value);
                continue;
            }

            if (_validator.CheckOperating(index, ref state, value, message.TimestampMs) is { } excursion)
            {
                Raise(message, index, ReasonCode.OperatingLimit, value, _asset.Signals[index].Operating!.Excess(value), excursion, now);
            }

            if (measurement && !state.FrozenRaised && _detectors[index].Observe(value) is { } found)
            {
                _hits.Add((index, value, found));
            }
            else if (!state.FrozenRaised)
            {
                state.Trust = SignalTrust.Trusted;
            }

            state.Value = value;
            state.ValueTimeMs = message.TimestampMs;
            relations.Offer(this, index, message.TimestampMs, value, message.DeviceId);
            accepted.Add(new SignalValue(index, value));
        }

        _evidence.Metrics.CountAccepted(accepted.Count);
        RaiseDetectorHits(message, now, relations);
        return accepted;
    }

    /// <summary>Raises staleness findings for signals not heard from in time.</summary>
    public void CheckStaleness(DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        for (var i = 0; i < _signals.Length; i++)
        {
            ref var state = ref _signals[i];
            if (_validator.CheckStale(i, ref state, nowMs) is { } stale)
            {
                state.Trust = SignalTrust.Suspect;
                _evidence.Raise(new Finding(now, ReasonCode.Stale, Escalate(ReasonCode.Stale, i), _asset.Id, _asset.Signals[i].Id, null, null, 0, stale));
            }
        }
    }

    private void RaiseDetectorHits(ReadingMessage message, DateTimeOffset now, RelationSet relations)
    {
        if (_hits.Count == 0)
        {
            return;
        }

        if (_hits.RemoveAll(h => relations.Explains(this, h.Index)) > 0)
        {
            _evidence.Metrics.CountOperatingChange();
        }

        if (_hits.Count == 1 || (_hits.Count > 1 && _asset.Signals.Count < 3))
        {
            foreach (var (index, value, found) in _hits)
            {
                _signals[index].Trust = SignalTrust.Suspect;
                Raise(message, index, found.Reason, value, found.Score, found.Detail, now);
            }
        }
        else if (_hits.Count > 1)
        {
            _evidence.Metrics.CountOperatingChange();
        }

        _hits.Clear();
    }

    private void Refuse(ReadingMessage message, int? index, ReasonCode reason, string detail, DateTimeOffset now, double? value = null)
    {
        var signalId = index is { } i ? _asset.Signals[i].Id : null;
        _evidence.Refuse(
            new Refusal(now, reason, message.DeviceId, null, null, $"{_plant.Site.TopicPrefix}/{_asset.Id}", _asset.Id, signalId, detail, ReadOnlyMemory<byte>.Empty),
            new Finding(now, reason, index is { } j ? Escalate(reason, j) : reason.DefaultSeverity(), _asset.Id, signalId, message.DeviceId, value, 0, detail)
            {
                ArrivalTimestamp = message.ArrivalTimestamp,
            });
    }

    private void Raise(ReadingMessage message, int index, ReasonCode reason, double value, double score, string detail, DateTimeOffset now) =>
        _evidence.Raise(new Finding(now, reason, Escalate(reason, index), _asset.Id, _asset.Signals[index].Id, message.DeviceId, value, score, detail)
        {
            ArrivalTimestamp = message.ArrivalTimestamp,
        });

    /// <summary>A finding on a high-criticality signal is one step more severe (as at the site).</summary>
    private Severity Escalate(ReasonCode reason, int signalIndex)
    {
        var severity = reason.DefaultSeverity();
        return _asset.Signals[signalIndex].Criticality == Criticality.High && severity < Severity.Critical ? severity + 1 : severity;
    }
}

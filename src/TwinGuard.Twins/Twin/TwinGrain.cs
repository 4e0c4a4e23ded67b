using System.Globalization;
using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Twins.Twin;

/// <summary>
/// The twin of one asset: holds its trusted state, validates what the gate let through, and runs the per-signal
/// streaming detectors. One activation per asset; Orleans guarantees its calls run one at a time.
/// </summary>
/// <remarks>
/// A value that fails validation never reaches the trusted state: the twin keeps the last-known-good value and marks
/// the signal suspect. Staleness is checked on a grain timer; all times come from the injected <see cref="TimeProvider"/>.
/// </remarks>
internal sealed partial class TwinGrain(
    PlantModelSource plants, EvidenceSink evidence, TimeProvider time, QuarantineList quarantine, LedgerRecorder ledger, DetectionSensitivity sensitivity,
    SequenceStore sequences, DetectorTuning tuning, TwinPersistence persistence,
    [PersistentState("stream", TwinPersistence.StorageName)] IPersistentState<TwinStreamState> streamState,
    [PersistentState("model", TwinPersistence.StorageName)] IPersistentState<TwinModelState> modelState)
    : Grain, ITwinGrain
{
    private PlantModel _plant = null!;
    private AssetModel _asset = null!;
    private ReadingValidator _validator = null!;
    private SignalState[] _signals = [];
    private SignalDetector[] _detectors = [];
    private AssetDetector? _assetDetector;
    private double[] _state = [];
    private List<(int Index, double Value, (ReasonCode Reason, double Score, string Detail) Found)>? _hits;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var id = this.GetPrimaryKeyString();
        (_plant, _generation) = plants.Read();
        Build(_plant.FindAsset(id) ?? throw new InvalidOperationException($"no asset '{id}' in the plant model"), null);
        RestoreLearnedState();
        var period = _asset.Signals.Min(s => s.Period);
        this.RegisterGrainTimer(CheckStalenessAsync, period * 4, period * 4);
        return Task.CompletedTask;
    }

    private void CreateAssetDetector()
    {
        var detector = _assetDetector = new AssetDetector(_asset, _plant.Detection);
        detector.ModelFitted += version =>
            ledger.RecordModelVersion(_asset.Id, detector.DetectorName, version, _plant.Detection.MultivariateWarmUp);
        detector.BaselineDrifting += rejected => evidence.Raise(new Finding(
            time.GetUtcNow(), ReasonCode.BaselineDrift, ReasonCode.BaselineDrift.DefaultSeverity(), _asset.Id, null, null, null, rejected,
            string.Create(CultureInfo.InvariantCulture,
                $"{_asset.Id}: retraining refused {AssetDetector.RefusalsToReport} times in a row, the commissioned model calls {rejected:P0} of the recent normal states anomalous: a slow drift or a poisoning of the baseline; the model in use is kept")));
    }

    /// <summary>Builds the twin for <paramref name="asset"/> of the model in force, keeping what <paramref name="previous"/> learned of unchanged signals.</summary>
    private void Build(AssetModel asset, AssetModel? previous)
    {
        var signals = new SignalState[asset.Signals.Count];
        var detectors = new SignalDetector[asset.Signals.Count];
        for (var i = 0; i < asset.Signals.Count; i++)
        {
            var was = previous?.IndexOf(asset.Signals[i].Id) ?? -1;
            if (was >= 0 && previous!.Signals[was] == asset.Signals[i] && Equals(_builtDetection, _plant.Detection))
            {
                (signals[i], detectors[i]) = (_signals[was], _detectors[was]);
            }
            else
            {
                // The noise floor of a baseline: a thousandth of the signal's span, so that a perfectly quiet simulated
                // or quantised signal does not turn its first tiny wobble into an alarm.
                detectors[i] = new SignalDetector(_plant.Detection, (asset.Signals[i].Max - asset.Signals[i].Min) / 1000);
            }
        }

        var sameSignals = previous is not null && previous.Signals.SequenceEqual(asset.Signals) && Equals(_builtDetection, _plant.Detection);
        _asset = asset;
        // The last numbers accepted (noted on every accepted message) carry over: a reload opens no replay window.
        _validator = new ReadingValidator(asset, _plant.Validation, sequences.Load(asset.Id));
        (_signals, _detectors, _builtDetection) = (signals, detectors, _plant.Detection);
        if (!sameSignals)
        {
            _assetDetector = null;
            _state = [];
            if (asset.Signals.Count >= 2)
            {
                CreateAssetDetector();
                _state = new double[asset.Signals.Count];
            }
        }

        ActivateRelations();
    }

    public Task IngestAsync(ReadingMessage[] batch)
    {
        FollowReload();
        _dirty = true;
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        foreach (var message in batch)
        {
            if (FitsModel(message))
            {
                Ingest(message, now, nowMs);
            }
        }

        FlushRelations();

        // Counted once the batch has gone on to the relations too: a simulation that waits for every message to have
        // been through its twin then also knows of every relation update the batch caused.
        foreach (var message in batch)
        {
            if (message.ArrivalTimestamp != 0)
            {
                evidence.Metrics.ArrivalToTwin.Record(time.GetElapsedTime(message.ArrivalTimestamp));
            }
        }

        return Task.CompletedTask;
    }

    public Task<TwinSnapshot> GetSnapshotAsync()
    {
        var signals = new SignalSnapshot[_signals.Length];
        for (var i = 0; i < signals.Length; i++)
        {
            ref var state = ref _signals[i];
            var trust = quarantine.IsAssetQuarantined(_asset.Id) || quarantine.IsSignalQuarantined(_asset.Id, _asset.Signals[i].Id)
                ? SignalTrust.Quarantined
                : state.Trust;
            signals[i] = new SignalSnapshot(
                _asset.Signals[i].Id,
                state.HasValue ? state.Value : null,
                state.HasValue ? DateTimeOffset.FromUnixTimeMilliseconds(state.ValueTimeMs) : null,
                // A set-point has no learned baseline: what it says is what is expected.
                _asset.Signals[i].Kind == SignalKind.SetPoint ? state.Value : _detectors[i].Expected,
                _asset.Signals[i].Kind == SignalKind.SetPoint ? 0 : _detectors[i].Spread,
                trust);
        }

        return Task.FromResult(new TwinSnapshot(_asset.Id, time.GetUtcNow(), signals));
    }

    public Task<bool> RebaselineAsync()
    {
        _assetDetector?.Rebaseline();
        return Task.FromResult(_assetDetector is not null);
    }

    private void Ingest(ReadingMessage message, DateTimeOffset now, long nowMs)
    {
        foreach (var value in message.Values)
        {
            _signals[value.SignalIndex].LastSeenMs = nowMs;
            _signals[value.SignalIndex].StaleRaised = false;
        }

        if (_validator.CheckMessage(message.DeviceId, message.Boot, message.Sequence, message.TimestampMs, nowMs) is { } refusal)
        {
            Refuse(message, null, refusal.Reason, refusal.Detail, now);
            return;
        }

        sequences.Note(_asset.Id, message.DeviceId, message.Boot, message.Sequence);

        var accepted = 0;
        var factor = sensitivity.Of(_asset.Id);
        var raises = Raises();
        var learn = MayLearn(message.TimestampMs);
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
                // The value is credible (it is not refused): the process itself is outside its operating band.
                Raise(message, index, ReasonCode.OperatingLimit, value, _asset.Signals[index].Operating!.Excess(value), excursion, now);
            }

            // A set-point moves in steps when an operator changes it: not a statistical outlier or a drift.
            if (measurement && !state.FrozenRaised && _detectors[index].Observe(value, factor / raises[index], learn) is { } found)
            {
                (_hits ??= []).Add((index, value, found));
            }
            else if (!state.FrozenRaised)
            {
                state.Trust = SignalTrust.Trusted;
            }

            state.Value = value;
            state.ValueTimeMs = message.TimestampMs;
            ForwardToRelations(index, message.TimestampMs, value, message.DeviceId);
            RememberReading(index, message.TimestampMs, value);
            accepted++;
        }

        evidence.Metrics.CountAccepted(accepted);
        RaiseDetectorHits(message, now);
        if (accepted > 0)
        {
            ScoreAssetState(message, now, learn);
        }
    }

    /// <summary>Scores the asset's whole trusted state with its multivariate model, once every signal has a value.</summary>
    private void ScoreAssetState(ReadingMessage message, DateTimeOffset now, bool learn)
    {
        if (_assetDetector is null)
        {
            return;
        }

        for (var i = 0; i < _signals.Length; i++)
        {
            if (!_signals[i].HasValue)
            {
                return;
            }

            _state[i] = _signals[i].Value;
        }

        // _multivariateRaise: refreshed with the signals' factors by Raises() earlier in this message.
        if (_assetDetector.Observe(_state, IsStateExplainedByRelations(), message.TimestampMs, learn, _multivariateRaise) is { } found)
        {
            var top = _asset.IndexOf(found.TopSignal);
            if (IsExplainedByRelations(top))
            {
                // An unusual combination that the physics explains is a new operating point, not an attack.
                evidence.Metrics.CountOperatingChange();
                return;
            }

            evidence.Raise(new Finding(now, ReasonCode.MultivariateAnomaly, Escalate(ReasonCode.MultivariateAnomaly, top), _asset.Id, found.TopSignal,
                message.DeviceId, _state[top], found.Score,
                $"{_asset.Id}: unusual combination of values, mostly {found.TopSignal}", found.Explanation)
            {
                ArrivalTimestamp = message.ArrivalTimestamp,
            });
        }
    }

    /// <summary>
    /// Raises the streaming detectors' hits of one message, unless several signals of the asset moved together: an
    /// operating change (a new set-point moves speed, flow, pressure and current at once) is not an attack on a sensor.
    /// Attacks that move several signals consistently are the twin relations' to catch, not these detectors'.
    /// </summary>
    /// <remarks>A hit on a signal whose twin relations all hold is left to the relations: a change that the physics
    /// explains is an operating change, and one it does not explain raises <c>relation_violated</c> from the relation
    /// grain, naming the signal that moved. With a relation unknown, the hit is raised as before.</remarks>
    private void RaiseDetectorHits(ReadingMessage message, DateTimeOffset now)
    {
        if (_hits is not { Count: > 0 } hits)
        {
            return;
        }

        var explained = hits.RemoveAll(h => IsExplainedByRelations(h.Index));
        if (explained > 0)
        {
            evidence.Metrics.CountOperatingChange();
        }

        if (hits.Count == 0)
        {
            return;
        }

        if (hits.Count == 1 || _asset.Signals.Count < 3)
        {
            foreach (var (index, value, found) in hits)
            {
                _signals[index].Trust = SignalTrust.Suspect;
                Raise(message, index, found.Reason, value, found.Score, found.Detail, now);
            }
        }
        else
        {
            evidence.Metrics.CountOperatingChange();
        }

        hits.Clear();
    }

    private Task CheckStalenessAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        for (var i = 0; i < _signals.Length; i++)
        {
            ref var state = ref _signals[i];
            if (_validator.CheckStale(i, ref state, nowMs) is { } stale)
            {
                state.Trust = SignalTrust.Suspect;
                evidence.Raise(new Finding(now, ReasonCode.Stale, Escalate(ReasonCode.Stale, i), _asset.Id, _asset.Signals[i].Id, null, null, 0, stale));
            }
        }

        return Task.CompletedTask;
    }

    private void Refuse(ReadingMessage message, int? index, ReasonCode reason, string detail, DateTimeOffset now, double? value = null)
    {
        var signalId = index is { } i ? _asset.Signals[i].Id : null;
        evidence.Refuse(
            new Refusal(now, reason, message.DeviceId, null, null, $"{_plant.Site.TopicPrefix}/{_asset.Id}", _asset.Id, signalId, detail, ReadOnlyMemory<byte>.Empty),
            new Finding(now, reason, index is { } j ? Escalate(reason, j) : reason.DefaultSeverity(), _asset.Id, signalId, message.DeviceId, value, 0, detail)
            {
                ArrivalTimestamp = message.ArrivalTimestamp,
            });
    }

    private void Raise(ReadingMessage message, int index, ReasonCode reason, double value, double score, string detail, DateTimeOffset now) =>
        evidence.Raise(new Finding(now, reason, Escalate(reason, index), _asset.Id, _asset.Signals[index].Id, message.DeviceId, value, score, detail)
        {
            ArrivalTimestamp = message.ArrivalTimestamp,
        });

    /// <summary>A finding on a high-criticality signal is one step more severe.</summary>
    private Severity Escalate(ReasonCode reason, int signalIndex)
    {
        var severity = reason.DefaultSeverity();
        return _asset.Signals[signalIndex].Criticality == Criticality.High && severity < Severity.Critical ? severity + 1 : severity;
    }
}

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
/// streaming detectors (its <see cref="TwinCore"/>) and the asset's multivariate model. One activation per asset; its
/// entries (grain calls, timers, and batches the dispatcher hands it directly through <see cref="LocalTwins"/>) run one
/// at a time under its lock.
/// </summary>
/// <remarks>
/// The grain adds what needs a silo to the core: activation, reloads, persistence, the relation grains, the history
/// and the analysts' tuning. Staleness is checked on a grain timer; all times come from the injected
/// <see cref="TimeProvider"/>.
/// </remarks>
internal sealed partial class TwinGrain(
    PlantModelSource plants, EvidenceSink evidence, TimeProvider time, QuarantineList quarantine, LedgerRecorder ledger, DetectionSensitivity sensitivity,
    SequenceStore sequences, DetectorTuning tuning, TwinPersistence persistence, LocalTwins local, AlarmLog alarms,
    [PersistentState("stream", TwinPersistence.StorageName)] IPersistentState<TwinStreamState> streamState,
    [PersistentState("model", TwinPersistence.StorageName)] IPersistentState<TwinModelState> modelState,
    [PersistentState("warmup", TwinPersistence.StorageName)] IPersistentState<TwinWarmUpState> warmUpState)
    : Grain, ITwinGrain, ITwinCoreHost
{
    private PlantModel _plant = null!;
    private AssetModel _asset = null!;
    private TwinCore _core = null!;
    private AssetDetector? _assetDetector;
    private double[] _state = [];

    /// <summary>The devices that fed the asset's states: where a network or intel finding counts as an alarm elsewhere.</summary>
    private readonly HashSet<string> _sources = new(StringComparer.Ordinal);

    /// <summary>Most sources followed (the gate admits only the plant's devices; this bounds it regardless).</summary>
    private const int MaxSources = 64;

    /// <summary>Held by every entry into the twin: its state is single-threaded, and not every entry is an Orleans turn.</summary>
    private readonly Lock _turn = new();

    /// <summary>True while registered in <see cref="LocalTwins"/> (set and read under <see cref="_turn"/>).</summary>
    private bool _here;

    /// <summary>Set by a batch taken through <see cref="LocalTwins"/>, which Orleans does not see as activity.</summary>
    private int _directTraffic;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var id = this.GetPrimaryKeyString();
        (_plant, _generation) = plants.Read();
        Build(_plant.FindAsset(id) ?? throw new InvalidOperationException($"no asset '{id}' in the plant model"), null);
        RestoreLearnedState();
        this.RegisterGrainTimer(CheckStalenessAsync, StalenessInterval, StalenessInterval);
        lock (_turn)
        {
            _here = true;
        }

        local.Add(id, this);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Takes a batch from the dispatcher outside any grain turn (see <see cref="LocalTwins"/>). False when the twin is
    /// leaving, or a plant model reload is to be followed first (a rebuild may end the activation: a grain call does it).
    /// </summary>
    /// <param name="batch">The messages.</param>
    /// <param name="verdicts">Where the verdict on each message goes, by position; empty when nobody asks.</param>
    internal bool TryIngestHere(ReadOnlySpan<ReadingMessage> batch, Span<TwinVerdict> verdicts)
    {
        lock (_turn)
        {
            if (!_here || plants.Generation != _generation)
            {
                return false;
            }

            IngestBatch(batch, verdicts);
        }

        Volatile.Write(ref _directTraffic, 1);
        return true;
    }

    private void CreateAssetDetector()
    {
        var related = AlarmLog.RelatedAssets(_plant, _asset.Id);
        var detector = _assetDetector = new AssetDetector(_asset, _plant.Detection,
            (from, moved) => alarms.Since(from, _asset, moved, related, _sources));
        detector.ModelFitted += version =>
            ledger.RecordModelVersion(_asset.Id, detector.DetectorName, version, _plant.Detection.MultivariateWarmUp, ProfilesOf(detector));
        detector.RefitAdoptedLate += evidence.Metrics.CountRefitAdoptedLate;
        detector.OperatingPointDecided += decision =>
            ledger.RecordOperatingPoint(_asset.Id, detector.DetectorName, detector.AnnouncedVersion, decision.Decision, decision.Detail);
        detector.BaselineDrifting += (rejected, drift) => evidence.Raise(new Finding(
            time.GetUtcNow(), ReasonCode.BaselineDrift, ReasonCode.BaselineDrift.DefaultSeverity(), _asset.Id, null, null, null, rejected,
            string.Create(CultureInfo.InvariantCulture,
                $"{_asset.Id}: retraining refused {AssetDetector.RefusalsToReport} times in a row, the commissioned model calls {rejected:P0} of the recent normal states anomalous and their centre lies {drift:0.0} typical commissioned deviations out: a slow drift or a poisoning of the baseline; the model in use is kept")));
    }

    /// <summary>Each signal's inferred behaviour for the ledger (empty when the detector has none: a restored model).</summary>
    private IReadOnlyList<(string Signal, TwinGuard.Detection.Profiling.ColumnProfile Profile)> ProfilesOf(AssetDetector detector) =>
        [.. detector.Profiles.Select((p, i) => (_asset.Signals[i].Id, p))];

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
                (signals[i], detectors[i]) = (_core.Signals[was], _core.Detectors[was]);
            }
            else
            {
                detectors[i] = TwinCore.NewDetector(_plant.Detection, asset.Signals[i]);
            }
        }

        var sameSignals = previous is not null && previous.Signals.SequenceEqual(asset.Signals) && Equals(_builtDetection, _plant.Detection);
        _asset = asset;
        // The last numbers accepted (noted on every accepted message) carry over: a reload opens no replay window.
        _core = new TwinCore(_plant, asset, evidence, this, new ReadingValidator(asset, _plant.Validation, sequences.Load(asset.Id)), signals, detectors);
        _builtDetection = _plant.Detection;
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

    public Task<TwinVerdict[]?> IngestAsync(ReadingMessage[] batch)
    {
        var verdicts = new TwinVerdict[batch.Length];
        lock (_turn)
        {
            FollowReload();
            IngestBatch(batch, verdicts);
        }

        // Answered once the numbers this batch made the twin accept are kept: the caller acknowledges its senders then.
        return AnsweredAsync(sequences.WhenDurableAsync(), Array.TrueForAll(verdicts, v => v.Refusal is null) ? null : verdicts);

        static async Task<TwinVerdict[]?> AnsweredAsync(Task durable, TwinVerdict[]? verdicts)
        {
            await durable;
            return verdicts;
        }
    }

    private void IngestBatch(ReadOnlySpan<ReadingMessage> batch, Span<TwinVerdict> verdicts)
    {
        _dirty = true;
        _messagesSinceWrite += batch.Length;
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        for (var i = 0; i < batch.Length; i++)
        {
            // A message routed with signals a reload removed is dropped: to its sender, as the gate now answers it.
            var verdict = FitsModel(batch[i]) ? Ingest(batch[i], now, nowMs) : TwinVerdict.Refused(ReasonCode.UnknownSignal);
            if (verdicts.Length > 0)
            {
                verdicts[i] = verdict;
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
    }

    public Task<TwinSnapshot> GetSnapshotAsync()
    {
        lock (_turn)
        {
            return Task.FromResult(Snapshot());
        }
    }

    private TwinSnapshot Snapshot()
    {
        var signals = new SignalSnapshot[_core.Signals.Length];
        for (var i = 0; i < signals.Length; i++)
        {
            ref var state = ref _core.Signals[i];
            var trust = IsQuarantined(i)
                ? SignalTrust.Quarantined
                : state.Trust;
            signals[i] = new SignalSnapshot(
                _asset.Signals[i].Id,
                state.HasValue ? state.Value : null,
                state.HasValue ? DateTimeOffset.FromUnixTimeMilliseconds(state.ValueTimeMs) : null,
                // A set-point has no learned baseline: what it says is what is expected.
                _asset.Signals[i].Kind == SignalKind.SetPoint ? state.Value : _core.Detectors[i].Expected,
                _asset.Signals[i].Kind == SignalKind.SetPoint ? 0 : _core.Detectors[i].Spread,
                trust);
        }

        return new TwinSnapshot(_asset.Id, time.GetUtcNow(), signals);
    }

    public Task<bool> RebaselineAsync()
    {
        lock (_turn)
        {
            _assetDetector?.Rebaseline();
            return Task.FromResult(_assetDetector is not null);
        }
    }

    private TwinVerdict Ingest(ReadingMessage message, DateTimeOffset now, long nowMs)
    {
        if (_core.Admit(message, now, nowMs) is { Refusal: not null } refused)
        {
            return refused;
        }

        sequences.Note(_asset.Id, message.DeviceId, message.Boot, message.Sequence);

        var factor = sensitivity.Of(_asset.Id);
        var raises = Raises();
        var learn = MayLearn(message.TimestampMs);
        if (_core.Accept(message, now, factor, raises, learn, out var verdict) > 0)
        {
            ScoreAssetState(message, now, learn);
        }

        return verdict;
    }

    /// <inheritdoc />
    void ITwinCoreHost.Accepted(int signalIndex, long timestampMs, double value, string deviceId)
    {
        ForwardToRelations(signalIndex, timestampMs, value, deviceId);
        RememberReading(signalIndex, timestampMs, value);
    }

    /// <inheritdoc />
    bool ITwinCoreHost.IsExplainedByRelations(int signalIndex) => IsExplainedByRelations(signalIndex);

    /// <summary>Scores the asset's whole trusted state with its multivariate model, once every signal has a value.</summary>
    private void ScoreAssetState(ReadingMessage message, DateTimeOffset now, bool learn)
    {
        if (_assetDetector is null)
        {
            return;
        }

        for (var i = 0; i < _core.Signals.Length; i++)
        {
            if (!_core.Signals[i].HasValue)
            {
                return;
            }

            _state[i] = _core.Signals[i].Value;
        }

        if (_sources.Count < MaxSources)
        {
            _sources.Add(message.DeviceId);
        }

        // _multivariateRaise: refreshed with the signals' factors by Raises() earlier in this message.
        learn = learn && !IsAnySignalHeld();
        if (_assetDetector.Observe(_state, IsStateExplainedByRelations(), message.TimestampMs, learn, _multivariateRaise, now) is { } found)
        {
            var top = _asset.IndexOf(found.TopSignal);
            if (IsQuarantined(top))
            {
                // The model compares the quarantined signal's held value with a plant that moved on: a finding blaming
                // it restates the quarantine. One blaming another signal is still raised (the held state is scored).
                return;
            }

            if (IsExplainedByRelations(top))
            {
                // An unusual combination that the physics explains is a new operating point, not an attack.
                evidence.Metrics.CountOperatingChange();
                return;
            }

            evidence.Raise(new Finding(now, ReasonCode.MultivariateAnomaly, _core.Escalate(ReasonCode.MultivariateAnomaly, top), _asset.Id, found.TopSignal,
                message.DeviceId, _state[top], found.Score,
                $"{_asset.Id}: unusual combination of values, mostly {found.TopSignal}", found.Explanation)
            {
                ArrivalTimestamp = message.ArrivalTimestamp,
            });
        }
    }

    /// <summary>
    /// True while a signal's value in the asset's state is held rather than read: quarantined (its readings are refused
    /// at the gate and its last trusted value stands in), or not trusted (refused, frozen, stale or flagged). Such a state
    /// is scored but never learned: a frozen value an attacker got held must not become what the model calls normal.
    /// </summary>
    private bool IsAnySignalHeld()
    {
        if (quarantine.IsAssetQuarantined(_asset.Id))
        {
            return true;
        }

        for (var i = 0; i < _core.Signals.Length; i++)
        {
            if (_core.Signals[i].Trust != SignalTrust.Trusted || quarantine.IsSignalQuarantined(_asset.Id, _asset.Signals[i].Id))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// What the asset's multivariate model has learned so far (its stream counters, and the warm-up rows gathered before
    /// its first fit), or null when the asset has none: what a test checks the held states taught it.
    /// </summary>
    internal (TwinGuard.Detection.Pipeline.OnlineCounters Counters, int WarmUpRows)? ModelLearning()
    {
        lock (_turn)
        {
            return _assetDetector?.Checkpoint() is { } checkpoint ? (checkpoint.Counters, checkpoint.WarmUp.Count) : null;
        }
    }

    private bool IsQuarantined(int signalIndex) =>
        quarantine.IsAssetQuarantined(_asset.Id) || quarantine.IsSignalQuarantined(_asset.Id, _asset.Signals[signalIndex].Id);

    private Task CheckStalenessAsync(CancellationToken cancellationToken)
    {
        lock (_turn)
        {
            _core.CheckStaleness(time.GetUtcNow(), StalenessInterval);
        }

        // Batches taken directly are no grain calls: without this, Orleans would end a twin that is busy as idle.
        if (Interlocked.Exchange(ref _directTraffic, 0) == 1)
        {
            DelayDeactivation(StalenessInterval * KeepAlivePeriods);
        }

        return Task.CompletedTask;
    }

    /// <summary>How often the twin checks its signals for staleness: four of its shortest sample periods.</summary>
    private TimeSpan StalenessInterval => _asset.Signals.Min(s => s.Period) * 4;

    /// <summary>Staleness checks a twin fed directly stays alive for after its last batch (Orleans collects idle activations).</summary>
    private const int KeepAlivePeriods = 8;
}

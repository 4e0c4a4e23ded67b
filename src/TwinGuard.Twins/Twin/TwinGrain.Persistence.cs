using TwinGuard.Detection;
using TwinGuard.Detection.Baselines;
using TwinGuard.Detection.Pipeline;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Twins.Twin;

/// <summary>
/// The twin's learned state through Orleans grain persistence: restored on activation (after a restart, or on another
/// silo after its silo died) so that detection continues without a new warm-up; written on a timer while readings
/// arrive and on deactivation. Two states: the small stream state at every snapshot, the model's feature rows only
/// when the model changes.
/// </summary>
/// <remarks>
/// A snapshot is built on the grain's turn (copies of the learned numbers) and written off it: the timer's turn hands
/// the write to the store and returns, so readings are not held behind the store's round trip. One write at a time:
/// a tick that finds the previous write still in flight leaves the twin dirty for the next tick (the latest state
/// wins, nothing queues up behind a slow store). Deactivation waits for the write in flight, then writes what is left.
/// Readings may reach the twin on the thread that brought them (<see cref="LocalTwins"/>), so the states are captured
/// under the twin's lock and written outside it.
/// </remarks>
internal sealed partial class TwinGrain
{
    private bool _dirty;

    /// <summary>Messages taken since the last capture (under <see cref="_turn"/>): with its age, when the next write is due.</summary>
    private int _messagesSinceWrite;

    private DateTimeOffset _lastWrite;

    /// <summary>The model generation of the last capture: a later one (a fit, a refit) is written at the next tick.</summary>
    private int _capturedGeneration;
    private int _savedGeneration;
    private Task _writing = Task.CompletedTask;
    private int _savedWarmUpGeneration = -1;
    private int _savedWarmUpRows;

    private void RestoreLearnedState()
    {
        if (!persistence.Enabled)
        {
            return;
        }

        this.RegisterGrainTimer(SnapshotAsync, persistence.SnapshotEvery, persistence.SnapshotEvery);
        _lastWrite = time.GetUtcNow();
        var saved = streamState.State;
        if (!streamState.RecordExists || saved.Signals.Length != _core.Signals.Length || saved.Detectors.Length != _core.Detectors.Length)
        {
            return; // nothing learned yet, or the asset's signals changed in the plant model: learn afresh
        }

        try
        {
            saved.Signals.CopyTo(_core.Signals, 0);
            for (var i = 0; i < _core.Detectors.Length; i++)
            {
                var d = saved.Detectors[i];
                _core.Detectors[i].Restore(
                    new EwmaCheckpoint(d.LevelCount, d.LevelMean, d.LevelVariance),
                    new EwmaCheckpoint(d.ChangeCount, d.ChangeMean, d.ChangeVariance),
                    d.CusumUpper, d.CusumLower, d.Previous);
            }

            foreach (var device in saved.Devices)
            {
                _core.Validator.RestoreAccepted(device.DeviceId, device.Boot, device.Sequence);
            }

            foreach (var memo in saved.Relations)
            {
                for (var r = 0; r < _relationStates.Length; r++)
                {
                    if (string.Equals(_routes.RelationIds[r], memo.RelationId, StringComparison.Ordinal))
                    {
                        _relationStates[r] = (memo.State, memo.Culprit);
                    }
                }
            }

            if (_assetDetector is not null && saved.Multivariate is { } mv)
            {
                var warmUp = mv.WarmUp.Length > 0 || !mv.WarmingUp ? mv.WarmUp
                    : warmUpState.RecordExists && warmUpState.State.Generation == mv.Generation ? warmUpState.State.Rows : [];
                _assetDetector.Restore(ToCheckpoint(mv, warmUp, modelState.State), mv.AnnouncedVersion);
                (_savedWarmUpGeneration, _savedWarmUpRows) = (mv.Generation, warmUp.Length);
                _savedGeneration = _capturedGeneration = _assetDetector.ModelGeneration;
                _dirty |= ForgetExcluded() > 0; // a snapshot older than a confirmed_attack verdict may hold its states
            }

            evidence.Metrics.CountTwinRestored();
        }
        catch (ArgumentException)
        {
            // A stored state that does not fit this asset any more (its plant model changed): start learning afresh.
            ResetLearnedState();
        }
    }

    /// <summary>The model's rows when they belong to the stream's generation or a later one; none otherwise (warm-up).</summary>
    private static OnlineCheckpoint ToCheckpoint(MultivariateStream mv, double[][] warmUp, TwinModelState model)
    {
        FeatureMatrix? anchor = null, current = null;
        var generation = mv.Generation;
        if (!mv.WarmingUp && mv.WarmUp.Length == 0 && model.Generation >= mv.Generation && model.Generation > 0 && model.Columns > 0 && model.Anchor.Length > 0)
        {
            anchor = new FeatureMatrix(model.Anchor, model.Anchor.Length / model.Columns, model.Columns);
            current = model.Model.Length == 0 ? anchor : new FeatureMatrix(model.Model, model.Model.Length / model.Columns, model.Columns);
            generation = model.Generation;
        }

        if (model.PeriodColumns.Length != model.Periods.Length)
        {
            throw new ArgumentException("the stored model's periods do not match its period columns", nameof(model));
        }

        return new OnlineCheckpoint(
            generation,
            anchor is null ? warmUp : [],
            anchor,
            current,
            mv.Recent,
            new OnlineCounters(mv.Refits, mv.RefitsRefused, mv.ConsecutiveRefusals, mv.Learned, mv.SinceFit, mv.SinceFlag, mv.Rebaselining, mv.FlaggedRun, mv.AdoptedLate))
        {
            LevelFreeColumns = anchor is null ? null : model.LevelFreeColumns,
            Periods = anchor is null ? null : model.PeriodColumns.Zip(model.Periods).ToDictionary(p => p.First, p => p.Second),
        };
    }

    private void ResetLearnedState()
    {
        _core = new TwinCore(_plant, _asset, evidence, this, new ReadingValidator(_asset, _plant.Validation, sequences.Load(_asset.Id)));
        Array.Clear(_relationStates);
        if (_assetDetector is not null)
        {
            CreateAssetDetector();
        }
    }

    private Task SnapshotAsync(CancellationToken cancellationToken)
    {
        if (_writing.IsCompleted && SnapshotDue())
        {
            // Not awaited: the continuation (the store's answer) runs on this activation between its turns.
            _writing = WriteOffTurnAsync();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Whether this tick writes (<see cref="TwinPersistence.IsDue"/>): enough messages or an old enough write, or a model
    /// change (a fit or a refit, a warm-up grown by an eighth of its window), which is written at the next tick.
    /// </summary>
    private bool SnapshotDue()
    {
        lock (_turn)
        {
            if (!_dirty)
            {
                return false;
            }

            var modelChanged = _assetDetector is { } detector
                && (detector.ModelGeneration != _capturedGeneration || WarmUpGrown(detector.WarmUpRows, detector.ModelGeneration, final: false));
            return persistence.IsDue(_messagesSinceWrite, time.GetUtcNow() - _lastWrite, modelChanged);
        }
    }

    /// <summary>A warm-up's rows are written when they grew by an eighth of the window since the last write, not at every snapshot.</summary>
    private bool WarmUpGrown(int rows, int generation, bool final)
    {
        var grown = rows - _savedWarmUpRows;
        return rows > 0 && (final || grown < 0 || generation != _savedWarmUpGeneration || grown >= Math.Max(1, _plant.Detection.MultivariateWarmUp / 8));
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        lock (_turn)
        {
            _here = false; // batches go through the grain from now on, and reach the next activation
        }

        local.Remove(this.GetPrimaryKeyString(), this);
        if (!persistence.Enabled)
        {
            return;
        }

        await _writing;
        if (_dirty)
        {
            await WriteLearnedStateAsync(final: true);
        }
    }

    /// <summary>A snapshot's write whose failure is counted and leaves the twin dirty, so that the next tick tries again.</summary>
    private async Task WriteOffTurnAsync()
    {
        try
        {
            await WriteLearnedStateAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            lock (_turn)
            {
                _dirty = true;
                _messagesSinceWrite = Math.Max(_messagesSinceWrite, persistence.SnapshotMessages); // due again at the next tick
            }

            evidence.Metrics.CountTwinStateWriteFailed();
        }
    }

    /// <summary>Writes what the twin learned when it changed: captured under the twin's lock, written outside it.</summary>
    /// <param name="final">Deactivating: a warm-up's rows are written however little they grew.</param>
    private async Task WriteLearnedStateAsync(bool final = false)
    {
        TwinModelState? model;
        TwinWarmUpState? warmUp;
        TwinStreamState stream;
        lock (_turn)
        {
            if (!_dirty)
            {
                return;
            }

            (model, warmUp, stream) = CaptureLearnedState(final);
        }

        // The model's rows first: a stream state never names a generation whose rows were not written.
        if (model is not null)
        {
            modelState.State = model;
            await modelState.WriteStateAsync();
            _savedGeneration = model.Generation;
            evidence.Metrics.CountTwinStateWrite(model.Anchor.Length + model.Model.Length);
        }

        if (warmUp is not null)
        {
            warmUpState.State = warmUp;
            await warmUpState.WriteStateAsync();
            (_savedWarmUpGeneration, _savedWarmUpRows) = (warmUp.Generation, warmUp.Rows.Length);
            evidence.Metrics.CountTwinStateWrite(warmUp.Rows.Sum(r => r.Length));
        }

        streamState.State = stream;
        await streamState.WriteStateAsync();
        evidence.Metrics.CountTwinStateWrite(0);
    }

    /// <summary>
    /// The persistent states, all from one checkpoint (readings taken while the writes are in flight cannot make the
    /// stream state name a model generation whose rows were not written): the model's rows only when they changed, the
    /// warm-up's only when it grew enough (or <paramref name="final"/>).
    /// </summary>
    private (TwinModelState? Model, TwinWarmUpState? WarmUp, TwinStreamState Stream) CaptureLearnedState(bool final)
    {
        _dirty = false;
        _messagesSinceWrite = 0;
        _lastWrite = time.GetUtcNow();
        MultivariateStream? multivariate = null;
        TwinModelState? model = null;
        TwinWarmUpState? warmUp = null;
        if (_assetDetector is not null)
        {
            var checkpoint = _assetDetector.Checkpoint();
            _capturedGeneration = checkpoint.Generation;
            // A warm-up's rows grow to the window (2,400 by default): written when they grew by an eighth of it, not at
            // every snapshot, so a snapshot's cost does not grow with the warm-up. A silo's death loses at most that eighth.
            if (WarmUpGrown(checkpoint.WarmUp.Count, checkpoint.Generation, final))
            {
                warmUp = new TwinWarmUpState { Generation = checkpoint.Generation, Rows = [.. checkpoint.WarmUp] };
            }
            else if (checkpoint.WarmUp.Count == 0 && _savedWarmUpRows > 0)
            {
                // The warm-up ended in a fit: its rows are in the model state now, the store need not keep a copy.
                warmUp = new TwinWarmUpState { Generation = checkpoint.Generation };
            }

            if (checkpoint.Anchor is { } anchor && checkpoint.Generation != _savedGeneration)
            {
                KeyValuePair<int, int>[] periods = [.. checkpoint.Periods ?? new Dictionary<int, int>()];
                model = new TwinModelState
                {
                    Generation = checkpoint.Generation,
                    Columns = anchor.Columns,
                    Anchor = anchor.Values,
                    Model = ReferenceEquals(checkpoint.Model, anchor) || checkpoint.Model is null ? [] : checkpoint.Model.Values,
                    LevelFreeColumns = [.. checkpoint.LevelFreeColumns ?? []],
                    PeriodColumns = [.. periods.Select(p => p.Key)],
                    Periods = [.. periods.Select(p => p.Value)],
                };
            }

            var c = checkpoint.Counters;
            multivariate = new MultivariateStream
            {
                Generation = checkpoint.Generation,
                WarmingUp = checkpoint.WarmUp.Count > 0,
                Recent = [.. checkpoint.Recent],
                Refits = c.Refits,
                RefitsRefused = c.RefitsRefused,
                ConsecutiveRefusals = c.ConsecutiveRefusals,
                Learned = c.Learned,
                SinceFit = c.SinceFit,
                SinceFlag = c.SinceFlag,
                Rebaselining = c.Rebaselining,
                FlaggedRun = c.FlaggedRun,
                AdoptedLate = c.AdoptedLate,
                AnnouncedVersion = _assetDetector.AnnouncedVersion,
            };
        }

        var detectors = new SignalDetectorState[_core.Detectors.Length];
        for (var i = 0; i < detectors.Length; i++)
        {
            var (level, change, upper, lower, previous) = _core.Detectors[i].Checkpoint();
            detectors[i] = new SignalDetectorState
            {
                LevelCount = level.Count,
                LevelMean = level.Mean,
                LevelVariance = level.Variance,
                ChangeCount = change.Count,
                ChangeMean = change.Mean,
                ChangeVariance = change.Variance,
                CusumUpper = upper,
                CusumLower = lower,
                Previous = previous,
            };
        }

        var stream = new TwinStreamState
        {
            SavedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            Signals = [.. _core.Signals],
            Detectors = detectors,
            Devices = [.. _core.Validator.LastAccepted.Select(d => new DeviceSequence(d.DeviceId, d.Boot, d.Sequence))],
            Relations = [.. _routes.RelationIds.Select((id, r) => new RelationMemo(id, _relationStates[r].State, _relationStates[r].Culprit))],
            Multivariate = multivariate,
        };

        return (model, warmUp, stream);
    }
}

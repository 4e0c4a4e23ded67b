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
internal sealed partial class TwinGrain
{
    private bool _dirty;
    private int _savedGeneration;

    private void RestoreLearnedState()
    {
        if (!persistence.Enabled)
        {
            return;
        }

        this.RegisterGrainTimer(SnapshotAsync, persistence.SnapshotEvery, persistence.SnapshotEvery);
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
                _assetDetector.Restore(ToCheckpoint(mv, modelState.State), mv.AnnouncedVersion);
                _savedGeneration = _assetDetector.ModelGeneration;
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
    private static OnlineCheckpoint ToCheckpoint(MultivariateStream mv, TwinModelState model)
    {
        FeatureMatrix? anchor = null, current = null;
        var generation = mv.Generation;
        if (mv.WarmUp.Length == 0 && model.Generation >= mv.Generation && model.Generation > 0 && model.Columns > 0 && model.Anchor.Length > 0)
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
            anchor is null ? mv.WarmUp : [],
            anchor,
            current,
            mv.Recent,
            new OnlineCounters(mv.Refits, mv.RefitsRefused, mv.ConsecutiveRefusals, mv.Learned, mv.SinceFit, mv.SinceFlag, mv.Rebaselining, mv.FlaggedRun))
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

    private async Task SnapshotAsync(CancellationToken cancellationToken)
    {
        await WriteLearnedStateAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        lock (_turn)
        {
            _here = false; // batches go through the grain from now on, and reach the next activation
        }

        local.Remove(this.GetPrimaryKeyString(), this);
        if (persistence.Enabled)
        {
            await WriteLearnedStateAsync();
        }
    }

    /// <summary>Writes what the twin learned when it changed: taken under the twin's lock, written outside it.</summary>
    private async Task WriteLearnedStateAsync()
    {
        int? modelGeneration;
        lock (_turn)
        {
            if (!_dirty)
            {
                return;
            }

            modelGeneration = CaptureLearnedState();
        }

        if (modelGeneration is { } generation)
        {
            // The model's rows first: a stream state never names a generation whose rows were not written.
            await modelState.WriteStateAsync();
            _savedGeneration = generation;
            evidence.Metrics.CountTwinStateWrite(modelState.State.Anchor.Length + modelState.State.Model.Length);
        }

        await streamState.WriteStateAsync();
        evidence.Metrics.CountTwinStateWrite(0);
    }

    /// <summary>Fills the persistent states from the twin; returns the model's generation when its rows changed too.</summary>
    private int? CaptureLearnedState()
    {
        _dirty = false;
        int? modelGeneration = null;
        MultivariateStream? multivariate = null;
        if (_assetDetector is not null)
        {
            var checkpoint = _assetDetector.Checkpoint();
            if (checkpoint.Anchor is { } anchor && checkpoint.Generation != _savedGeneration)
            {
                KeyValuePair<int, int>[] periods = [.. checkpoint.Periods ?? new Dictionary<int, int>()];
                modelState.State = new TwinModelState
                {
                    Generation = checkpoint.Generation,
                    Columns = anchor.Columns,
                    Anchor = anchor.Values,
                    Model = ReferenceEquals(checkpoint.Model, anchor) || checkpoint.Model is null ? [] : checkpoint.Model.Values,
                    LevelFreeColumns = [.. checkpoint.LevelFreeColumns ?? []],
                    PeriodColumns = [.. periods.Select(p => p.Key)],
                    Periods = [.. periods.Select(p => p.Value)],
                };
                modelGeneration = checkpoint.Generation;
            }

            var c = checkpoint.Counters;
            multivariate = new MultivariateStream
            {
                Generation = checkpoint.Generation,
                WarmUp = [.. checkpoint.WarmUp],
                Recent = [.. checkpoint.Recent],
                Refits = c.Refits,
                RefitsRefused = c.RefitsRefused,
                ConsecutiveRefusals = c.ConsecutiveRefusals,
                Learned = c.Learned,
                SinceFit = c.SinceFit,
                SinceFlag = c.SinceFlag,
                Rebaselining = c.Rebaselining,
                FlaggedRun = c.FlaggedRun,
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

        streamState.State = new TwinStreamState
        {
            SavedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            Signals = [.. _core.Signals],
            Detectors = detectors,
            Devices = [.. _core.Validator.LastAccepted.Select(d => new DeviceSequence(d.DeviceId, d.Boot, d.Sequence))],
            Relations = [.. _routes.RelationIds.Select((id, r) => new RelationMemo(id, _relationStates[r].State, _relationStates[r].Culprit))],
            Multivariate = multivariate,
        };
        return modelGeneration;
    }
}

using System.Globalization;
using System.Text;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Twins.Relations;

/// <summary>
/// Evaluates one twin relation on the accepted values the twins of its assets send, and raises
/// <see cref="ReasonCode.RelationViolated"/> when the physics no longer holds. One activation per relation.
/// </summary>
/// <remarks>
/// <para>Values refused by validation never get here (the twin only forwards accepted values); a quarantined input makes
/// the relation unknown, never violated. Alignment, the residual and its detector: <see cref="RelationEvaluator"/>.</para>
/// <para>A violation is reported when it starts, and again every <see cref="RepeatEvery"/> of device time while it lasts,
/// so that a lasting violation gathers enough findings to open an incident while a transient one stays one finding.</para>
/// <para>Blame is isolated across relations: of the inputs ranked by how much their return to normal would explain the
/// residual (<see cref="RelationEvaluator.RankCulprits"/>), those that another relation reading them vouches for are
/// cleared, and of the others the one that most other relations doubt too is blamed (<see cref="Testimony"/>). A drifting
/// flow disturbs every relation that reads it, while the pump speed it is compared with still agrees closely with the
/// pressure and the vibration, and the motor current has no other algebraic relation to speak for or against it: the
/// flow is blamed, not the speed or the current. The other relations are asked when a violation starts and each time
/// it is reported, never while this one holds.</para>
/// </remarks>
internal sealed class RelationGrain(PlantModelSource plants, EvidenceSink evidence, TimeProvider time, QuarantineList quarantine)
    : Grain, IRelationGrain
{
    /// <summary>How often a lasting violation is reported again.</summary>
    public static readonly TimeSpan RepeatEvery = TimeSpan.FromSeconds(5);

    private RelationModel _model = null!;
    private RelationEvaluator _evaluator = null!;
    private RelationSlot[] _slots = [];
    private SignalModel[] _signals = [];
    private string?[] _devices = [];
    private long _lastReportMs;
    private RelationState _told = RelationState.Unknown;
    private string? _toldCulprit;
    private ITwinGrain[] _twins = [];
    private IRelationGrain[][] _witnesses = [];
    private int _blamed;

    private int _generation;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (plant, generation) = plants.Read();
        _generation = generation;
        Build(plant, plant.Relations.FirstOrDefault(r => string.Equals(r.Id, this.GetPrimaryKeyString(), StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"no relation '{this.GetPrimaryKeyString()}' in the plant model"));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Rebuilds the relation from the model in force when a reload changed it since the last update (its expression,
    /// tolerance, inputs' ranges or the other relations that vouch for its inputs): it starts again from no evidence.
    /// A relation the new model no longer has ignores what still arrives and its activation ends when idle.
    /// </summary>
    /// <returns>False when the relation is gone.</returns>
    private bool FollowReload()
    {
        if (plants.Generation == _generation)
        {
            return true;
        }

        var (plant, generation) = plants.Read();
        _generation = generation;
        if (plant.Relations.FirstOrDefault(r => string.Equals(r.Id, _model.Id, StringComparison.Ordinal)) is not { } model)
        {
            DeactivateOnIdle();
            return false;
        }

        Build(plant, model);
        return true;
    }

    private void Build(PlantModel plant, RelationModel model)
    {
        _model = model;
        var compiled = _model.CompileFor(plant);
        _slots = [.. compiled.SlotInfo];
        _signals = [.. _slots.Select(s => plant.FindAsset(s.AssetId)!.Signals[plant.FindAsset(s.AssetId)!.IndexOf(s.SignalId)])];
        _devices = new string?[_slots.Length];
        _twins = [.. _slots.Select(s => s.AssetId).Distinct(StringComparer.Ordinal).Select(a => GrainFactory.GetGrain<ITwinGrain>(a))];
        // For each input, the other algebraic relations that read it: the ones that can vouch for it.
        _witnesses = [.. _slots.Select(slot => plant.Relations
            .Where(r => !r.IsDynamic && !string.Equals(r.Id, _model.Id, StringComparison.Ordinal) && r.Signals.Contains(slot.ToString(), StringComparer.Ordinal))
            .Select(r => GrainFactory.GetGrain<IRelationGrain>(r.Id))
            .ToArray())];
        _evaluator = new RelationEvaluator(_model, compiled, plant.Detection, [.. _signals.Select(s => s.Max - s.Min)]);
        (_told, _toldCulprit, _blamed, _lastReportMs) = (RelationState.Unknown, null, 0, 0);
    }

    public async Task UpdateAsync(RelationInput[] inputs)
    {
        try
        {
            await UpdateCoreAsync(inputs);
        }
        finally
        {
            // After the findings are raised: a simulation waits for every update the twins sent to be done.
            evidence.Metrics.CountRelationUpdateDone();
        }
    }

    private async Task UpdateCoreAsync(RelationInput[] inputs)
    {
        if (!FollowReload())
        {
            return;
        }

        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var input in inputs)
        {
            if ((uint)input.Slot < (uint)_slots.Length && _evaluator.Offer(input.Slot, input.TimestampMs, input.Value, nowMs))
            {
                _devices[input.Slot] = input.DeviceId;
            }
        }

        for (var s = 0; s < _slots.Length; s++)
        {
            _evaluator.SetUnavailable(s, quarantine.IsAssetQuarantined(_slots[s].AssetId) || quarantine.IsSignalQuarantined(_slots[s].AssetId, _slots[s].SignalId));
        }

        var found = _evaluator.Evaluate(nowMs);
        var last = _evaluator.Last;
        var repeat = found == RelationEvent.None && last.State == RelationState.Violated && last.TimeMs - _lastReportMs >= RepeatEvery.TotalMilliseconds;
        if (found != RelationEvent.None || repeat || (last.State == RelationState.Violated && _told != RelationState.Violated))
        {
            _blamed = await IsolateAsync();
        }

        var culprit = last.State == RelationState.Violated ? _slots[_blamed].ToString() : null;
        if (last.State != _told || !string.Equals(culprit, _toldCulprit, StringComparison.Ordinal))
        {
            // Only changes travel, so the twins hear of this relation a few times an hour, not on every sample.
            (_told, _toldCulprit) = (last.State, culprit);
            foreach (var twin in _twins)
            {
                _ = twin.RelationStateChangedAsync(_model.Id, last.State, culprit);
            }
        }

        if (repeat)
        {
            found = RelationEvent.Violated;
        }

        if (found != RelationEvent.None)
        {
            _lastReportMs = last.TimeMs;
            Raise(found, last);
        }
    }

    public Task<RelationSnapshot> GetSnapshotAsync()
    {
        var last = _evaluator.Last;
        var known = last.State != RelationState.Unknown;
        var compiled = _evaluator.Relation;
        var measuredSlot = compiled.LeftDerivativeSlot;
        var measuredSignal = measuredSlot >= 0 ? compiled.Slots[measuredSlot]
            : _model.Expression.Split('~')[0].Trim() is var left && compiled.Slots.Contains(left) ? left : null;
        return Task.FromResult(new RelationSnapshot(
            _model.Id,
            _model.Kind,
            _model.Expression,
            [.. compiled.Slots],
            measuredSignal,
            last.State,
            last.TimeMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(last.TimeMs) : null,
            known ? last.Measured : null,
            known ? last.Expected : null,
            known ? last.Residual : null,
            _model.Tolerance,
            _evaluator.ResidualMean,
            _evaluator.ResidualStdDev,
            _evaluator.Evaluations,
            _evaluator.Violations));
    }

    public Task<Testimony> TestifyAsync() => Task.FromResult(_evaluator?.Testimony ?? Testimony.None);

    /// <summary>
    /// The input to blame (see the class remarks): of the inputs no other relation vouches for, the one that most other
    /// relations reading it doubt too, the likeliest by <see cref="RelationEvaluator.RankCulprits"/> among equals.
    /// </summary>
    private async Task<int> IsolateAsync()
    {
        var ranked = new int[_slots.Length]; // an array, not a span: it lives across the awaits below
        _evaluator.RankCulprits(ranked);
        var asked = new Dictionary<IRelationGrain, Testimony>();
        var (best, bestDisturbed) = (-1, -1);
        foreach (var slot in ranked)
        {
            var (vouched, disturbed) = (false, 0);
            foreach (var witness in _witnesses[slot])
            {
                if (!asked.TryGetValue(witness, out var testimony))
                {
                    asked[witness] = testimony = await witness.TestifyAsync();
                }

                vouched |= testimony == Testimony.Vouches;
                disturbed += testimony == Testimony.Disturbed ? 1 : 0;
            }

            if (!vouched && disturbed > bestDisturbed)
            {
                (best, bestDisturbed) = (slot, disturbed);
            }
        }

        return best >= 0 ? best : ranked[0]; // every input agrees closely with another relation: the ranking alone decides
    }

    private void Raise(RelationEvent found, RelationEvaluation last)
    {
        var culprit = _blamed;
        var slot = _slots[culprit];
        var values = _evaluator.Values;
        var explanation = new StringBuilder(96);
        for (var s = 0; s < _slots.Length; s++)
        {
            explanation.Append(s == 0 ? string.Empty : ", ").Append(_slots[s]).Append('=')
                .Append(values[s].ToString("G5", CultureInfo.InvariantCulture));
        }

        var message = found == RelationEvent.Violated
            ? string.Create(CultureInfo.InvariantCulture, $"relation {_model.Id} violated: residual {last.Residual:G4} beyond tolerance {_model.Tolerance:G4} (measured {last.Measured:G5}, expected {last.Expected:G5}); inputs {string.Join(", ", _slots)}; blamed: {slot}")
            : string.Create(CultureInfo.InvariantCulture, $"relation {_model.Id}: residual {last.Residual:G4} shifted persistently {(last.Z > 0 ? "up" : "down")} ({last.Z:F1} sigma, within tolerance {_model.Tolerance:G4}); inputs {string.Join(", ", _slots)}; blamed: {slot}");
        var severity = ReasonCode.RelationViolated.DefaultSeverity();
        if (found == RelationEvent.Violated && _signals[culprit].Criticality == Criticality.High && severity < Severity.Critical)
        {
            severity++;
        }

        evidence.Raise(new Finding(
            time.GetUtcNow(),
            ReasonCode.RelationViolated,
            severity,
            slot.AssetId,
            slot.SignalId,
            _devices[culprit],
            values[culprit],
            Math.Abs(last.Residual) / _model.Tolerance,
            message,
            $"{_model.Id}: {_model.Expression}; {explanation}"));
    }
}

using TwinGuard.Twins.Relations;

namespace TwinGuard.Twins.Twin;

/// <summary>The twin's side of the twin relations: forwarding accepted values to the relation grains.</summary>
internal sealed partial class TwinGrain
{
    private RelationRoutes _routes = null!;
    private IRelationGrain[] _relationGrains = [];
    private List<RelationInput>[] _relationInputs = [];
    private (RelationState State, string? Culprit)[] _relationStates = [];

    private void ActivateRelations()
    {
        _routes = RelationRoutes.For(_plant, _asset);
        _relationGrains = [.. _routes.RelationIds.Select(id => GrainFactory.GetGrain<IRelationGrain>(id))];
        _relationInputs = [.. _routes.RelationIds.Select(_ => new List<RelationInput>())];
        _relationStates = new (RelationState, string?)[_routes.RelationIds.Count];
    }

    public Task RelationStateChangedAsync(string relationId, RelationState state, string? culprit)
    {
        lock (_turn)
        {
            NoteRelationState(relationId, state, culprit);
        }

        return Task.CompletedTask;
    }

    private void NoteRelationState(string relationId, RelationState state, string? culprit)
    {
        for (var r = 0; r < _relationStates.Length; r++)
        {
            if (string.Equals(_routes.RelationIds[r], relationId, StringComparison.Ordinal))
            {
                // Kept as the signal id when the culprit is one of this asset's signals (empty when it is another asset's),
                // so the check below is one compare.
                var prefix = _asset.Id + ".";
                _relationStates[r] = (state, culprit is null ? null
                    : culprit.StartsWith(prefix, StringComparison.Ordinal) ? culprit[prefix.Length..] : string.Empty);
            }
        }
    }

    /// <summary>
    /// True when the physics explains the signal's changes: at least one of its relations holds (or, violated, blames
    /// another input) and none blames this signal. A relation that stops holding raises its own finding naming the input
    /// it blames. Unknown relations (an input stale or quarantined, say during an attack on another asset) neither
    /// explain nor accuse; when all of a signal's relations are unknown, or one blames it, its own detectors speak.
    /// </summary>
    private bool IsExplainedByRelations(int signalIndex)
    {
        var signalId = _asset.Signals[signalIndex].Id;
        var explained = false;
        foreach (var (relation, _) in _routes.Of(signalIndex))
        {
            var (state, culprit) = _relationStates[relation];
            if (state == RelationState.Violated && (culprit is null || string.Equals(culprit, signalId, StringComparison.Ordinal)))
            {
                return false;
            }

            explained |= state != RelationState.Unknown;
        }

        return explained;
    }

    /// <summary>
    /// True when the relations explain the asset's whole state: every signal that takes part in a relation is explained
    /// (<see cref="IsExplainedByRelations"/>), and at least one does. Such a state is a new operating point the physics
    /// accounts for: the multivariate model learns it without holding it against a retraining.
    /// </summary>
    private bool IsStateExplainedByRelations()
    {
        var any = false;
        for (var i = 0; i < _asset.Signals.Count; i++)
        {
            if (_routes.Of(i).IsEmpty)
            {
                continue;
            }

            if (!IsExplainedByRelations(i))
            {
                return false;
            }

            any = true;
        }

        return any;
    }

    /// <summary>Queues an accepted value for every relation that reads it.</summary>
    private void ForwardToRelations(int signalIndex, long timestampMs, double value, string deviceId)
    {
        foreach (var (relation, slot) in _routes.Of(signalIndex))
        {
            _relationInputs[relation].Add(new RelationInput(slot, timestampMs, value, deviceId));
        }
    }

    /// <summary>Sends what the batch queued, one one-way call per relation: the twin never waits for an evaluation.</summary>
    private void FlushRelations()
    {
        for (var r = 0; r < _relationGrains.Length; r++)
        {
            if (_relationInputs[r].Count > 0)
            {
                evidence.Metrics.CountRelationUpdateSent();
                _ = _relationGrains[r].UpdateAsync([.. _relationInputs[r]]);
                _relationInputs[r].Clear();
            }
        }
    }
}

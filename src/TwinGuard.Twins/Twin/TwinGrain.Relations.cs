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
        _routes = RelationRoutes.For(plant, _asset);
        _relationGrains = [.. _routes.RelationIds.Select(id => GrainFactory.GetGrain<IRelationGrain>(id))];
        _relationInputs = [.. _routes.RelationIds.Select(_ => new List<RelationInput>())];
        _relationStates = new (RelationState, string?)[_routes.RelationIds.Count];
    }

    public Task RelationStateChangedAsync(string relationId, RelationState state, string? culprit)
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

        return Task.CompletedTask;
    }

    /// <summary>
    /// True when the signal takes part in at least one relation and each of them holds or, violated, blames another of
    /// its inputs: the physics explains the signal's changes, and a relation that stops holding raises its own finding
    /// naming the input it blames. An unknown relation (an input stale or quarantined) explains nothing, and a relation
    /// that blames this signal does not clear it, so the signal's own detectors speak then.
    /// </summary>
    private bool IsExplainedByRelations(int signalIndex)
    {
        var routes = _routes.Of(signalIndex);
        if (routes.IsEmpty)
        {
            return false;
        }

        var signalId = _asset.Signals[signalIndex].Id;
        foreach (var (relation, _) in routes)
        {
            var (state, culprit) = _relationStates[relation];
            var explains = state == RelationState.Holding
                || (state == RelationState.Violated && culprit is not null && !string.Equals(culprit, signalId, StringComparison.Ordinal));
            if (!explains)
            {
                return false;
            }
        }

        return true;
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
                _ = _relationGrains[r].UpdateAsync([.. _relationInputs[r]]);
                _relationInputs[r].Clear();
            }
        }
    }
}

using TwinGuard.Twins.Relations;

namespace TwinGuard.Twins.Twin;

/// <summary>The twin's side of the twin relations: forwarding accepted values to the relation grains.</summary>
internal sealed partial class TwinGrain
{
    private RelationRoutes _routes = null!;
    private IRelationGrain[] _relationGrains = [];
    private List<RelationInput>[] _relationInputs = [];
    private bool[] _relationHolds = [];

    private void ActivateRelations()
    {
        _routes = RelationRoutes.For(plant, _asset);
        _relationGrains = [.. _routes.RelationIds.Select(id => GrainFactory.GetGrain<IRelationGrain>(id))];
        _relationInputs = [.. _routes.RelationIds.Select(_ => new List<RelationInput>())];
        _relationHolds = new bool[_routes.RelationIds.Count];
    }

    public Task RelationStateChangedAsync(string relationId, RelationState state)
    {
        for (var r = 0; r < _relationHolds.Length; r++)
        {
            if (string.Equals(_routes.RelationIds[r], relationId, StringComparison.Ordinal))
            {
                _relationHolds[r] = state == RelationState.Holding;
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// True when the signal takes part in at least one relation and all of them hold: the physics explains its changes,
    /// and a relation that stops holding raises its own finding. Unknown relations (an input stale or quarantined)
    /// explain nothing, so the signal's own detectors speak again.
    /// </summary>
    private bool IsExplainedByRelations(int signalIndex)
    {
        var routes = _routes.Of(signalIndex);
        if (routes.IsEmpty)
        {
            return false;
        }

        foreach (var (relation, _) in routes)
        {
            if (!_relationHolds[relation])
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

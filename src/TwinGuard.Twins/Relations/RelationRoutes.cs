using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Relations;

/// <summary>Which relations each signal of one asset feeds, and as which input: what a twin needs to forward its
/// accepted values.</summary>
public sealed class RelationRoutes
{
    private readonly (int Relation, int Slot)[][] _bySignal;

    private RelationRoutes((int Relation, int Slot)[][] bySignal, string[] relationIds)
    {
        _bySignal = bySignal;
        RelationIds = relationIds;
    }

    /// <summary>The relations that read at least one signal of the asset.</summary>
    public IReadOnlyList<string> RelationIds { get; }

    /// <summary>The routes of the asset's signals in the plant model.</summary>
    public static RelationRoutes For(PlantModel plant, AssetModel asset)
    {
        ArgumentNullException.ThrowIfNull(plant);
        ArgumentNullException.ThrowIfNull(asset);
        var bySignal = new List<(int, int)>[asset.Signals.Count];
        for (var i = 0; i < bySignal.Length; i++)
        {
            bySignal[i] = [];
        }

        var ids = new List<string>();
        foreach (var relation in plant.Relations)
        {
            var compiled = relation.CompileFor(plant);
            for (var slot = 0; slot < compiled.SlotInfo.Count; slot++)
            {
                var info = compiled.SlotInfo[slot];
                if (!string.Equals(info.AssetId, asset.Id, StringComparison.Ordinal))
                {
                    continue;
                }

                if (!ids.Contains(relation.Id))
                {
                    ids.Add(relation.Id);
                }

                bySignal[asset.IndexOf(info.SignalId)].Add((ids.IndexOf(relation.Id), slot));
            }
        }

        return new RelationRoutes([.. bySignal.Select(l => l.ToArray())], [.. ids]);
    }

    /// <summary>The relations (indexes into <see cref="RelationIds"/>) and their inputs that a signal feeds; empty when
    /// it takes part in none.</summary>
    public ReadOnlySpan<(int Relation, int Slot)> Of(int signalIndex) => _bySignal[signalIndex];
}

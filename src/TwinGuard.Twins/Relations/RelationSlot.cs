namespace TwinGuard.Twins.Relations;

/// <summary>One value a compiled relation reads: which asset's signal, and where it sits in that asset's signal list.</summary>
/// <param name="AssetId">The asset.</param>
/// <param name="SignalId">The signal within the asset.</param>
/// <param name="SignalIndex">The signal's position in <c>AssetModel.Signals</c> (what <c>AssetModel.IndexOf</c> returns); −1 when compiled without a plant model.</param>
/// <param name="Unit">The signal's unit; null when compiled without a plant model.</param>
public sealed record RelationSlot(string AssetId, string SignalId, int SignalIndex, string? Unit)
{
    /// <summary>The reference as written: <c>asset.signal</c>.</summary>
    public override string ToString() => $"{AssetId}.{SignalId}";
}

namespace TwinGuard.Twins.Plant;

/// <summary>What the protocol sections (modbus:, opcua:) share: lists of mappings from protocol addresses to signals.</summary>
internal static class SignalMappings
{
    /// <summary>Reads a non-empty list of mappings; a signal may be mapped once across the whole section.</summary>
    public static List<T> ReadList<T>(YamlField list, Func<YamlField, T> read, Func<T, (string Asset, string Signal)> key,
        HashSet<(string, string)> mapped, string mappedTo, string itemName)
    {
        var result = new List<T>();
        foreach (var item in list.Items())
        {
            var mapping = read(item);
            var (asset, signal) = key(mapping);
            if (!mapped.Add((asset, signal)))
            {
                throw item.Error($"signal '{asset}.{signal}' is already mapped to {mappedTo}");
            }

            result.Add(mapping);
        }

        return result.Count == 0 ? throw list.Error($"expected at least one {itemName}") : result;
    }

    /// <summary>Reads the <c>asset</c> and <c>signal</c> fields of a mapping, both checked against the plant model.</summary>
    public static (AssetModel Asset, string Signal) ReadSignal(YamlField field, IReadOnlyList<AssetModel> assets)
    {
        var assetField = field.Required("asset");
        var assetId = assetField.Identifier();
        var asset = assets.FirstOrDefault(a => a.Id == assetId) ?? throw assetField.Error($"no asset '{assetId}' in the plant model");
        var signalField = field.Required("signal");
        var signal = signalField.Identifier();
        return asset.IndexOf(signal) < 0 ? throw signalField.Error($"asset '{assetId}' has no signal '{signal}'") : (asset, signal);
    }
}

namespace TwinGuard.Simulator.Devices;

/// <summary>A device of the plant: its MQTT identity and what it publishes.</summary>
/// <param name="Id">Device id, used as the MQTT user name.</param>
/// <param name="Password">The MQTT password.</param>
/// <param name="TimestampFormat">How it writes <c>ts</c>.</param>
/// <param name="Publications">What it publishes every period.</param>
public sealed record DeviceProfile(
    string Id,
    string Password,
    TimestampFormat TimestampFormat,
    IReadOnlyList<DevicePublication> Publications)
{
    /// <summary>The assets it publishes, in order.</summary>
    public IEnumerable<string> AssetIds => Publications.Select(p => p.AssetId).Distinct();

    /// <summary>Whether it publishes the given signal.</summary>
    public bool Publishes(string assetId, string signalId) =>
        Publications.Any(p => p.AssetId == assetId && p.SignalIds.Contains(signalId));

    /// <summary>Whether it publishes anything of the given asset.</summary>
    public bool PublishesAsset(string assetId) => Publications.Any(p => p.AssetId == assetId);

    /// <inheritdoc/>
    public override string ToString() => Id;
}

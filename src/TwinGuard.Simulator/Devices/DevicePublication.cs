namespace TwinGuard.Simulator.Devices;

/// <summary>What a device publishes for one asset every sample period.</summary>
/// <param name="AssetId">The asset.</param>
/// <param name="SignalIds">The signals sent together.</param>
/// <param name="IsSingleSignal">
/// True: one message per signal on <c>plant/&lt;asset&gt;/&lt;signal&gt;</c> with <c>value</c>; false: one message on
/// <c>plant/&lt;asset&gt;</c> with <c>values</c>.
/// </param>
public sealed record DevicePublication(string AssetId, IReadOnlyList<string> SignalIds, bool IsSingleSignal)
{
    /// <summary>A multi-signal message on <c>plant/&lt;asset&gt;</c>.</summary>
    public static DevicePublication Multi(string assetId, params string[] signalIds) => new(assetId, signalIds, false);

    /// <summary>A single-signal message on <c>plant/&lt;asset&gt;/&lt;signal&gt;</c>.</summary>
    public static DevicePublication Single(string assetId, string signalId) => new(assetId, [signalId], true);
}

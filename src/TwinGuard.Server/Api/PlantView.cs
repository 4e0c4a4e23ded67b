using TwinGuard.Server.Access;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;
using TwinGuard.Twins.Twin;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Server.Api;

/// <summary>The plant as the API and the dashboard show it: each asset's state from its twin, the quarantines and the incidents.</summary>
/// <remarks>Of the model in force: an asset a reload added is listed at once, one it removed is gone.</remarks>
internal sealed class PlantView(
    IGrainFactory grains,
    PlantModelSource source,
    QuarantineList quarantine,
    AccessRestrictions access,
    WriteRecorder writes,
    OperatorJournal journal,
    PlantRecords records,
    TimeProvider time)
{
    /// <summary>k in the expected band expected ± k·spread (the twin's detectors alarm well outside it).</summary>
    public const double BandWidth = 3;

    public PlantModel Plant => source.Current;

    public async Task<IReadOnlyList<AssetView>> AssetsAsync()
    {
        var plant = source.Current;
        var quarantines = writes.Read(s => s.Quarantines());
        var incidents = records.Incidents(500);
        var views = await Task.WhenAll(plant.Assets.Select(a => ViewAsync(plant, a, quarantines, incidents)));
        return views;
    }

    public async Task<AssetView?> AssetAsync(string assetId) =>
        source.Current is var plant && plant.FindAsset(assetId) is { } asset
            ? await ViewAsync(plant, asset, writes.Read(s => s.Quarantines()), records.Incidents(500))
            : null;

    public SiteView Site(IReadOnlyList<AssetView> assets) => new(
        source.Current.Site.Id, source.Current.Site.Name, source.Current.Site.TopicPrefix, assets.Count,
        assets.Count(a => a.State == AssetState.Normal), assets.Count(a => a.State == AssetState.Suspect), assets.Count(a => a.State == AssetState.Quarantined));

    /// <summary>The active quarantines that hold an asset: on it, on one of its signals, on its twin, or on a device that publishes to it.</summary>
    public IReadOnlyList<QuarantineEntry> QuarantinesOf(AssetModel asset, IReadOnlyList<QuarantineEntry> active) =>
        QuarantinesOf(source.Current, asset, active);

    private static IReadOnlyList<QuarantineEntry> QuarantinesOf(PlantModel plant, AssetModel asset, IReadOnlyList<QuarantineEntry> active) =>
        active.Where(q => q.Kind switch
        {
            QuarantineKind.Asset or QuarantineKind.ReadOnly => q.Target == asset.Id,
            QuarantineKind.Signal => q.Target.StartsWith(asset.Id + "/", StringComparison.Ordinal),
            QuarantineKind.Source or QuarantineKind.Credentials => plant.FindDevice(q.Target) is { } device && Feeds(plant, device, asset),
            _ => false,
        }).ToList();

    private static bool Feeds(PlantModel plant, DeviceModel device, AssetModel asset)
    {
        var topic = $"{plant.Site.TopicPrefix}/{asset.Id}";
        return device.Topics.Any(t => t == topic || t.StartsWith(topic + "/", StringComparison.Ordinal) || t == "#" || t == plant.Site.TopicPrefix + "/#");
    }

    private async Task<AssetView> ViewAsync(PlantModel plant, AssetModel asset, IReadOnlyList<QuarantineEntry> active, IReadOnlyList<Twins.Record.StoredIncident> incidents)
    {
        var snapshot = await grains.GetGrain<ITwinGrain>(asset.Id).GetSnapshotAsync();
        var signals = asset.Signals.Select((s, i) =>
        {
            var state = snapshot.Signals[i];
            return new SignalView(s.Id, s.Unit, s.Min, s.Max, state.Value, state.ValueTime, state.Expected,
                state.Expected - (BandWidth * state.Spread), state.Expected + (BandWidth * state.Spread), state.Trust);
        }).ToList();
        var holding = QuarantinesOf(plant, asset, active);
        var latest = incidents.FirstOrDefault(i => i.AssetId == asset.Id);
        var recent = latest is not null && time.GetUtcNow() - latest.Updated <= plant.Correlation.Window;
        var state = holding.Count > 0 || quarantine.IsAssetQuarantined(asset.Id) || access.IsReadOnly(asset.Id) ? AssetState.Quarantined
            : recent || signals.Any(s => s.Trust is SignalTrust.Suspect or SignalTrust.Quarantined) ? AssetState.Suspect
            : AssetState.Normal;
        return new AssetView(asset.Id, asset.Name, asset.Kind, asset.Tags, state, access.IsReadOnly(asset.Id), holding.Select(q => q.Id).ToList(),
            latest?.Id, journal.Maintenance(asset.Id), signals);
    }
}

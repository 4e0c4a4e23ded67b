using System.Collections.Concurrent;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Detect;

/// <summary>
/// The last finding raised on each signal and asset of the plant and against each of its devices: what a twin asks
/// before it accepts a new operating point, which must hold "without alarms elsewhere" (issue #23).
/// </summary>
/// <remarks>
/// Fed by <see cref="EvidenceSink.Raised"/> on the raising thread: one dictionary write per finding. Only ids the plant
/// model in force knows are kept (an unknown source chooses its own user name), so it holds at most one entry per
/// signal, asset and device whatever the input. Times are the findings' own (the server clock).
/// </remarks>
public sealed class AlarmLog
{
    private readonly PlantModelSource _plants;

    // Findings on one signal, other than the asset model's own (which blame the signal that moved).
    private readonly ConcurrentDictionary<(string Asset, string Signal), Alarm> _signals = new();

    // Findings on an asset without a signal, other than its model's own.
    private readonly ConcurrentDictionary<string, Alarm> _assetsOther = new();

    // Any finding on an asset, its model's included: what a related asset's twin asks.
    private readonly ConcurrentDictionary<string, Alarm> _assets = new();

    // Findings about who sent the data (gate, network, intel) against a device.
    private readonly ConcurrentDictionary<string, Alarm> _sources = new(StringComparer.Ordinal);

    /// <summary>Creates a log that follows every finding <paramref name="evidence"/> raises.</summary>
    public AlarmLog(EvidenceSink evidence, PlantModelSource plants)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        _plants = plants;
        evidence.Raised += Note;
    }

    /// <summary>Notes <paramref name="finding"/> (called for every finding raised).</summary>
    public void Note(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var plant = _plants.Current;
        var alarm = new Alarm(finding.Time, finding.Reason);
        var ownModel = finding.Reason is ReasonCode.MultivariateAnomaly or ReasonCode.BaselineDrift;
        if (finding.AssetId is { } assetId && plant.FindAsset(assetId) is { } asset)
        {
            _assets[asset.Id] = alarm;
            if (!ownModel && finding.SignalId is { } signal && asset.IndexOf(signal) >= 0)
            {
                _signals[(asset.Id, signal)] = alarm;
            }
            else if (!ownModel && finding.SignalId is null)
            {
                _assetsOther[asset.Id] = alarm;
            }
        }

        if ((finding.Reason.IsAboutSource() || finding.Reason is ReasonCode.IntelMatch or ReasonCode.IdsAlert)
            && finding.DeviceId is { } device && plant.FindDevice(device) is not null)
        {
            _sources[device] = alarm;
        }
    }

    /// <summary>
    /// What alarmed since <paramref name="from"/> outside the operating change of <paramref name="asset"/>, in words,
    /// or null when nothing did.
    /// </summary>
    /// <param name="from">The start of the hold (server clock).</param>
    /// <param name="asset">The asset whose new operating point is judged.</param>
    /// <param name="moved">The signals its model blamed during the hold: their own findings are the change itself.</param>
    /// <param name="related">Assets that share a physics relation with it.</param>
    /// <param name="sources">The devices that fed it.</param>
    public string? Since(DateTimeOffset from, AssetModel asset, IReadOnlySet<string> moved, IEnumerable<string> related, IEnumerable<string> sources)
    {
        ArgumentNullException.ThrowIfNull(asset);
        foreach (var signal in asset.Signals)
        {
            if (!moved.Contains(signal.Id) && _signals.TryGetValue((asset.Id, signal.Id), out var a) && a.Time >= from)
            {
                return $"a {a.Reason.Name()} finding on {asset.Id}.{signal.Id}";
            }
        }

        if (_assetsOther.TryGetValue(asset.Id, out var other) && other.Time >= from)
        {
            return $"a {other.Reason.Name()} finding on {asset.Id}";
        }

        foreach (var id in related)
        {
            if (_assets.TryGetValue(id, out var r) && r.Time >= from)
            {
                return $"a {r.Reason.Name()} finding on the related asset {id}";
            }
        }

        foreach (var device in sources)
        {
            if (_sources.TryGetValue(device, out var s) && s.Time >= from)
            {
                return $"a {s.Reason.Name()} finding against its source {device}";
            }
        }

        return null;
    }

    /// <summary>The assets that share a physics relation of <paramref name="plant"/> with <paramref name="assetId"/>.</summary>
    public static IReadOnlyList<string> RelatedAssets(PlantModel plant, string assetId)
    {
        ArgumentNullException.ThrowIfNull(plant);
        static bool Mentions(RelationModel relation, string id) =>
            relation.Signals.Any(s => s.Length > id.Length && s[id.Length] == '.' && s.StartsWith(id, StringComparison.Ordinal));
        var relations = plant.Relations.Where(r => Mentions(r, assetId)).ToList();
        return [.. plant.Assets.Select(a => a.Id).Where(id => id != assetId && relations.Any(r => Mentions(r, id)))];
    }

    private sealed record Alarm(DateTimeOffset Time, ReasonCode Reason);
}

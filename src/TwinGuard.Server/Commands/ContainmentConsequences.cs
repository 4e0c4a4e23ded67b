using TwinGuard.Simulator.Devices;
using TwinGuard.Simulator.Scoring;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Server.Commands;

/// <summary>
/// Which of the demo's findings a containment caused rather than an attack: refusals of the data it holds back
/// (<c>quarantined</c>), and <c>stale</c> signals of a device cut off at the source, while it was cut off and for
/// <see cref="ReconnectGrace"/> after its release (the device reconnects at most once a second). They are counted apart,
/// neither detections nor false alarms, as <c>simulate</c> counts them.
/// </summary>
internal sealed class ContainmentConsequences
{
    /// <summary>How long after a release a cut-off device's signals may still be reported stale.</summary>
    public static readonly TimeSpan ReconnectGrace = TimeSpan.FromSeconds(3);

    private static readonly string HeldBack = ReasonCode.Quarantined.Name();
    private static readonly string Stale = ReasonCode.Stale.Name();
    private readonly List<(string Device, DateTimeOffset From, DateTimeOffset To)> _cutOff = [];
    private readonly IReadOnlyList<DeviceProfile> _devices;

    /// <summary>Reads when each device was cut off at the source from the response's actions.</summary>
    public ContainmentConsequences(IEnumerable<ResponseObservation> actions, IReadOnlyList<DeviceProfile> devices, DateTimeOffset end)
    {
        _devices = devices;
        var open = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var action in actions.OrderBy(a => a.Time))
        {
            if (action.Action == "quarantine: source" && action.Contains)
            {
                open.TryAdd(action.Target, action.Time);
            }
            else if (action.Action == "release: source" && open.Remove(action.Target, out var from))
            {
                _cutOff.Add((action.Target, from, action.Time + ReconnectGrace));
            }
        }

        _cutOff.AddRange(open.Select(kv => (kv.Key, kv.Value, end + ReconnectGrace)));
    }

    /// <summary>Whether a finding is a consequence of a containment (see the class remarks).</summary>
    public bool Caused(Observation observation) =>
        observation.Reason == HeldBack
        || (observation.Reason == Stale && observation.AssetId is { } asset && _cutOff.Any(c =>
            observation.Time >= c.From && observation.Time <= c.To
            && _devices.Any(d => d.Id == c.Device && (observation.SignalId is { } signal ? d.Publishes(asset, signal) : d.PublishesAsset(asset)))));
}

using TwinGuard.Simulator.Devices;
using TwinGuard.Simulator.Scoring;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Server.Commands;

/// <summary>
/// Which of the demo's findings a containment caused rather than an attack: refusals of the data it holds back
/// (<c>quarantined</c>), and <c>stale</c> signals whose data it held back (a device cut off at the source, an asset or
/// signals quarantined), while it held and for <see cref="ReconnectGrace"/> after its release (a cut-off device
/// reconnects at most once a second). They are counted apart, neither detections nor false alarms, as <c>simulate</c>
/// counts them.
/// </summary>
internal sealed class ContainmentConsequences
{
    /// <summary>How long after a release the signals it held may still be reported stale.</summary>
    public static readonly TimeSpan ReconnectGrace = TimeSpan.FromSeconds(3);

    private const string Quarantine = "quarantine: ";
    private const string Release = "release: ";
    private static readonly string HeldBack = ReasonCode.Quarantined.Name();
    private static readonly string Stale = ReasonCode.Stale.Name();

    // What was held and when: (kind, target) with kind source (a device), asset, or signal (asset/signal).
    private readonly List<(string Kind, string Target, DateTimeOffset From, DateTimeOffset To)> _held = [];
    private readonly IReadOnlyList<DeviceProfile> _devices;

    /// <summary>Reads what the response held, and when, from its actions.</summary>
    public ContainmentConsequences(IEnumerable<ResponseObservation> actions, IReadOnlyList<DeviceProfile> devices, DateTimeOffset end)
    {
        _devices = devices;
        var open = new Dictionary<(string Kind, string Target), DateTimeOffset>();
        foreach (var action in actions.OrderBy(a => a.Time))
        {
            if (action.Action.StartsWith(Quarantine, StringComparison.Ordinal) && action.Contains)
            {
                var kind = Kind(action.Action[Quarantine.Length..]);
                foreach (var target in action.Target.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    open.TryAdd((kind, target), action.Time);
                }
            }
            else if (action.Action.StartsWith(Release, StringComparison.Ordinal)
                && open.Remove((Kind(action.Action[Release.Length..]), action.Target), out var from))
            {
                _held.Add((Kind(action.Action[Release.Length..]), action.Target, from, action.Time + ReconnectGrace));
            }
        }

        _held.AddRange(open.Select(kv => (kv.Key.Kind, kv.Key.Target, kv.Value, end + ReconnectGrace)));
    }

    /// <summary>Whether a finding is a consequence of a containment (see the class remarks).</summary>
    public bool Caused(Observation observation) =>
        observation.Reason == HeldBack
        || (observation.Reason == Stale && observation.AssetId is { } asset
            && _held.Any(h => observation.Time >= h.From && observation.Time <= h.To && Holds(h.Kind, h.Target, asset, observation.SignalId)));

    private bool Holds(string kind, string target, string asset, string? signal) => kind switch
    {
        "source" => _devices.Any(d => d.Id == target && (signal is null ? d.PublishesAsset(asset) : d.Publishes(asset, signal))),
        "asset" => target == asset,
        "signal" => signal is not null && target == $"{asset}/{signal}",
        _ => false,
    };

    /// <summary>The playbook's word (<c>signals</c>) and the store's (<c>signal</c>) for one kind.</summary>
    private static string Kind(string word) => word == "signals" ? "signal" : word;
}

using TwinGuard.Server.Access;

namespace TwinGuard.Server.Api;

/// <summary>An asset, its state, and its twin's signals.</summary>
/// <param name="Id">Asset id.</param>
/// <param name="Name">Display name.</param>
/// <param name="Kind">Kind (pump, valve, ...).</param>
/// <param name="Tags">Tags.</param>
/// <param name="State">Normal, suspect or quarantined.</param>
/// <param name="ReadOnly">True when a lockdown made its twin read-only: API writes to it are refused with 423.</param>
/// <param name="Quarantines">Ids of the active quarantines that hold it.</param>
/// <param name="LatestIncident">Id of its newest incident, if any.</param>
/// <param name="Maintenance">Its maintenance mode, if it was ever switched.</param>
/// <param name="Signals">Its signals.</param>
internal sealed record AssetView(
    string Id,
    string Name,
    string Kind,
    IReadOnlyList<string> Tags,
    AssetState State,
    bool ReadOnly,
    IReadOnlyList<long> Quarantines,
    long? LatestIncident,
    MaintenanceMode? Maintenance,
    IReadOnlyList<SignalView> Signals);

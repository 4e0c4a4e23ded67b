using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Api;

/// <summary>
/// The API's own reading <see cref="IRecordStore"/> (the record stage owns the writing connection): the data directory's
/// SQLite once it exists, or the cluster's PostgreSQL; the lookups are the store's.
/// </summary>
/// <remarks>WAL lets these reads proceed while the record stage writes; a lock serialises the API's requests on the connection.</remarks>
internal sealed class PlantRecords(HostSettings settings) : IDisposable
{
    private readonly Lock _lock = new();
    private IRecordStore? _store;

    /// <summary>Findings, newest first, optionally of one asset, signal or incident, and not older than <paramref name="since"/>.</summary>
    public IReadOnlyList<StoredFinding> Findings(int limit, string? asset = null, string? signal = null, long? incident = null, DateTimeOffset? since = null) =>
        Read(s => s.Findings(limit, incident, asset, signal, since), []);

    public StoredFinding? Finding(long id) => Read(s => s.Finding(id), null);

    /// <summary>Incidents, newest first, optionally of one asset.</summary>
    public IReadOnlyList<StoredIncident> Incidents(int limit, string? asset = null) => Read(s => s.Incidents(limit, asset), []);

    public StoredIncident? Incident(long id) => Read(s => s.Incident(id), null);

    /// <summary>The incidents of a campaign, first stage first.</summary>
    public IReadOnlyList<StoredIncident> Campaign(long campaignId) => Read(s => s.Campaign(campaignId), []);

    /// <summary>The stages of an incident's timeline, first stage first.</summary>
    public IReadOnlyList<StoredIncidentStage> Stages(long incidentId) => Read(s => s.Stages(incidentId), []);

    public void Dispose() => _store?.Dispose();

    private T Read<T>(Func<IRecordStore, T> read, T none)
    {
        lock (_lock)
        {
            if (_store is null)
            {
                _store = RecordStores.OpenForReading(settings);
                if (_store is null)
                {
                    return none; // the record stage has not created the database yet
                }
            }

            return read(_store);
        }
    }
}

using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Record;

/// <summary>
/// Where the plant's records live: findings, incidents and refusals. SQLite in the data directory on a single node
/// (<see cref="PlantStore"/>), PostgreSQL when a cluster names one (<see cref="PostgresRecordStore"/>); both give the
/// same read model and pass the same contract tests (docs/cluster.md).
/// </summary>
/// <remarks>
/// Ids are the store's: <see cref="ReserveIds"/> hands out ids no other writer of the same store (another silo) gets,
/// so the record stage can name a finding in the ledger before its row is written. Everything one decided batch
/// writes is one transaction (<see cref="BeginBatch"/>). Reads may run on any thread; a batch belongs to one.
/// </remarks>
public interface IRecordStore : IDisposable
{
    /// <summary>What the store is, for logs and status: <c>sqlite &lt;path&gt;</c> or <c>postgresql host/db</c>; never a password.</summary>
    string Description { get; }

    /// <summary>
    /// Reserves <paramref name="count"/> ids of <paramref name="table"/> (<c>findings</c> or <c>incidents</c>), in
    /// increasing order; no caller of this store, in this process or another, is given them again. Not from inside an
    /// open batch on the same thread: a SQLite batch holds the file's write lock, which the reservation waits for.
    /// </summary>
    IReadOnlyList<long> ReserveIds(string table, int count);

    /// <summary>Starts one transaction of writes; nothing is visible to readers until <see cref="IRecordBatch.Commit"/>.</summary>
    IRecordBatch BeginBatch();

    /// <summary>Findings, newest first, optionally of one asset, signal (findings of the whole asset included) or incident, and not older than <paramref name="since"/>.</summary>
    IReadOnlyList<StoredFinding> Findings(int limit = 1000, long? incidentId = null, string? asset = null, string? signal = null, DateTimeOffset? since = null);

    /// <summary>One finding, or null.</summary>
    StoredFinding? Finding(long id);

    /// <summary>Incidents, newest first, optionally of one asset.</summary>
    IReadOnlyList<StoredIncident> Incidents(int limit = 1000, string? asset = null);

    /// <summary>The incidents of a campaign, first stage first: the one with id <paramref name="campaignId"/> and those that continue it.</summary>
    IReadOnlyList<StoredIncident> Campaign(long campaignId);

    /// <summary>The stages of an incident's timeline, first stage first (none for an incident of one stage stored before stages were).</summary>
    IReadOnlyList<StoredIncidentStage> Stages(long incidentId);

    /// <summary>One incident, or null.</summary>
    StoredIncident? Incident(long id);

    /// <summary>Refusals counted per device and reason.</summary>
    IReadOnlyList<(string? Device, string Reason, long Count)> RefusalCounts();

    /// <summary>
    /// The highest id of <paramref name="table"/> (<c>refusals</c> or <c>findings</c>) that <paramref name="rule"/>
    /// removes at <paramref name="now"/>, with the bounds passed; 0 or less when nothing goes.
    /// </summary>
    (long Cut, IReadOnlyList<string> Bounds) RetentionCut(string table, RetentionRule rule, DateTimeOffset now);

    /// <summary>Reads and describes the oldest removable rows up to <paramref name="cut"/> (at most <paramref name="batch"/>); null when none.</summary>
    PrunedRange? CollectPruned(string table, long cut, IReadOnlyList<string> bounds, int batch);

    /// <summary>Removes the rows <paramref name="range"/> described; returns how many went.</summary>
    long DeletePruned(PrunedRange range);
}

using Microsoft.Data.Sqlite;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Record;

/// <summary>One SQLite transaction of the record stage's writes on the store's own connection.</summary>
internal sealed class SqliteRecordBatch(PlantStore store, SqliteTransaction transaction) : IRecordBatch
{
    public void Insert(Finding finding, long id, long ledgerEntry) => store.Insert(finding, id, ledgerEntry);

    public void AddOccurrences(long findingId, int count, DateTimeOffset last) => store.AddOccurrences(findingId, count, last);

    public void OpenIncident(Incident incident, IReadOnlyList<long> findingIds, long ledgerEntry) => store.OpenIncident(incident, findingIds, ledgerEntry);

    public void CloseIncident(long incidentId, DateTimeOffset time, string status) => store.CloseIncident(incidentId, time, status);

    public void JoinIncident(long incidentId, long findingId, Finding finding) => store.JoinIncident(incidentId, findingId, finding);

    public void UpdateIncident(Incident incident, DateTimeOffset updated) => store.UpdateIncident(incident, updated);

    public void AttachStage(long incidentId, IncidentStage stage, IReadOnlyList<long> findingIds, long ledgerEntry) =>
        store.AttachStage(incidentId, stage, findingIds, ledgerEntry);

    public void RepeatStage(long incidentId, IncidentStage stage, IReadOnlyList<long> findingIds) => store.RepeatStage(incidentId, stage, findingIds);

    public void Insert(Refusal refusal) => store.Insert(refusal);

    public void Commit() => transaction.Commit();

    public void Dispose() => transaction.Dispose();
}

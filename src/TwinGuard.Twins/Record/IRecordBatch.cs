using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Record;

/// <summary>The writes of one record batch: one transaction in either store, committed by <see cref="Commit"/> or rolled back by disposing.</summary>
public interface IRecordBatch : IDisposable
{
    /// <summary>Inserts a finding under an id the store reserved, with the ledger entry that proves it.</summary>
    void Insert(Finding finding, long id, long ledgerEntry);

    /// <summary>Records that a stored finding happened again.</summary>
    void AddOccurrences(long findingId, int count, DateTimeOffset last);

    /// <summary>Inserts an incident (under its reserved id) over the given findings, with the ledger entry that proves it.</summary>
    void OpenIncident(Incident incident, IReadOnlyList<long> findingIds, long ledgerEntry);

    /// <summary>Closes an open incident: later findings in its scope open a new one.</summary>
    void CloseIncident(long incidentId, DateTimeOffset time, string status);

    /// <summary>Attaches a finding to an open incident, raising its severity and reasons as needed.</summary>
    void JoinIncident(long incidentId, long findingId, Finding finding);

    /// <summary>Writes an escalated incident's severity, reasons and device.</summary>
    void UpdateIncident(Incident incident, DateTimeOffset updated);

    /// <summary>Attaches a later stage to an open incident: its row, its findings, the incident's severity, reasons and count.</summary>
    void AttachStage(long incidentId, IncidentStage stage, IReadOnlyList<long> findingIds, long ledgerEntry);

    /// <summary>A later recurrence folded into an existing stage (see <see cref="PlantStore.RepeatStage"/>).</summary>
    void RepeatStage(long incidentId, IncidentStage stage, IReadOnlyList<long> findingIds);

    /// <summary>Stores a refusal.</summary>
    void Insert(Refusal refusal);

    /// <summary>Makes every write of the batch visible at once.</summary>
    void Commit();
}

using Microsoft.Data.Sqlite;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using static TwinGuard.Twins.Record.SqliteCommands;

namespace TwinGuard.Twins.Record;

/// <summary>The stages of incidents: the timeline of a multi-stage intrusion held as one incident.</summary>
public sealed partial class PlantStore
{
    internal const string StageColumns =
        "incident_id, stage, time_ms, scope, asset, device, severity, rule, reasons, title, link, finding_count, ledger_entry, occurrences, last_seen_ms";

    /// <summary>The stages of an incident, first stage first (none for an incident stored before stages were).</summary>
    public IReadOnlyList<StoredIncidentStage> Stages(long incidentId) =>
        _connection.Query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'incident_stages'", r => r.GetInt64(0))[0] == 0
            ? [] // a database of an older version opened read-only
            : _connection.Query($"SELECT {(HasStageOccurrences() ? StageColumns : OlderStageColumns)} FROM incident_stages WHERE incident_id = $i ORDER BY stage", ReadStage, ("$i", incidentId));

    /// <summary>
    /// A later recurrence of a stage's step (same scope, no new technique, no higher severity) folded into that stage:
    /// its occurrences and last seen time, its findings now the incident's, and the incident's finding count.
    /// </summary>
    public void RepeatStage(long incidentId, IncidentStage stage, IReadOnlyList<long> findingIds)
    {
        _connection.Execute("UPDATE incident_stages SET occurrences = $o, last_seen_ms = $l, finding_count = finding_count + $n WHERE incident_id = $i AND stage = $s",
            ("$o", stage.Occurrences), ("$l", stage.LastSeen.ToUnixTimeMilliseconds()), ("$n", findingIds.Count), ("$i", incidentId), ("$s", stage.Number));
        foreach (var findingId in findingIds)
        {
            _connection.Execute("UPDATE findings SET incident_id = $i WHERE id = $f", ("$i", incidentId), ("$f", findingId));
        }

        _connection.Execute("UPDATE incidents SET updated_ms = MAX(updated_ms, $u), finding_count = finding_count + $n WHERE id = $i",
            ("$u", stage.LastSeen.ToUnixTimeMilliseconds()), ("$n", findingIds.Count), ("$i", incidentId));
    }

    /// <summary>
    /// Attaches a later stage to an incident: the stage's row, its findings now the incident's, and the incident's
    /// severity (the highest), reasons (all of every stage) and finding count.
    /// </summary>
    public void AttachStage(long incidentId, IncidentStage stage, IReadOnlyList<long> findingIds, long ledgerEntry)
    {
        InsertStage(incidentId, stage, findingIds.Count, ledgerEntry);
        foreach (var findingId in findingIds)
        {
            _connection.Execute("UPDATE findings SET incident_id = $i WHERE id = $f", ("$i", incidentId), ("$f", findingId));
        }

        var reasons = Incident(incidentId)?.Reasons ?? [];
        _connection.Execute($"""
            UPDATE incidents SET updated_ms = MAX(updated_ms, $u), finding_count = finding_count + $n,
              severity = {HigherSeverity},
              reasons = $re
            WHERE id = $i
            """,
            ("$u", stage.Time.ToUnixTimeMilliseconds()), ("$n", findingIds.Count), ("$rank", (int)stage.Severity), ("$s", Name(stage.Severity)),
            ("$re", string.Join(',', reasons.Concat(stage.Reasons.Select(r => r.Name())).Distinct(StringComparer.Ordinal))), ("$i", incidentId));
    }

    /// <summary>The columns of a database made before stages folded recurrences (opened read-only, so not migrated).</summary>
    private const string OlderStageColumns =
        "incident_id, stage, time_ms, scope, asset, device, severity, rule, reasons, title, link, finding_count, ledger_entry, 1, NULL";

    private static void CreateStages(SqliteConnection connection)
    {
        connection.Execute("""
            CREATE TABLE IF NOT EXISTS incident_stages (
                incident_id INTEGER NOT NULL, stage INTEGER NOT NULL, time_ms INTEGER NOT NULL, scope TEXT NOT NULL, asset TEXT,
                device TEXT, severity TEXT NOT NULL, rule TEXT NOT NULL, reasons TEXT NOT NULL, title TEXT NOT NULL, link TEXT,
                finding_count INTEGER NOT NULL, ledger_entry INTEGER, occurrences INTEGER NOT NULL DEFAULT 1, last_seen_ms INTEGER,
                PRIMARY KEY (incident_id, stage));
            """);

        // Added after stages were first released: a database made before gets the columns on its next start.
        if (connection.Query("SELECT COUNT(*) FROM pragma_table_info('incident_stages') WHERE name = 'occurrences'", r => r.GetInt64(0))[0] == 0)
        {
            connection.Execute("ALTER TABLE incident_stages ADD COLUMN occurrences INTEGER NOT NULL DEFAULT 1; ALTER TABLE incident_stages ADD COLUMN last_seen_ms INTEGER;");
        }
    }

    private bool HasStageOccurrences() =>
        _connection.Query("SELECT COUNT(*) FROM pragma_table_info('incident_stages') WHERE name = 'occurrences'", r => r.GetInt64(0))[0] > 0;

    private void InsertStage(long incidentId, IncidentStage stage, int findingCount, long ledgerEntry) =>
        _connection.Execute("""
            INSERT OR IGNORE INTO incident_stages (incident_id, stage, time_ms, scope, asset, device, severity, rule, reasons, title, link, finding_count, ledger_entry)
            VALUES ($i, $n, $t, $sc, $a, $d, $s, $r, $re, $ti, $l, $c, $le)
            """,
            ("$i", incidentId), ("$n", stage.Number), ("$t", stage.Time.ToUnixTimeMilliseconds()), ("$sc", stage.Scope), ("$a", stage.AssetId),
            ("$d", stage.DeviceId), ("$s", Name(stage.Severity)), ("$r", stage.Rule), ("$re", string.Join(',', stage.Reasons.Select(r => r.Name()))),
            ("$ti", stage.Title), ("$l", stage.Link), ("$c", findingCount), ("$le", ledgerEntry));

    /// <summary>An escalation within a stage: the stage's own severity and reasons as the correlator holds them now.</summary>
    private void UpdateStage(Incident stage) =>
        _connection.Execute("UPDATE incident_stages SET severity = $s, reasons = $re WHERE incident_id = $i AND stage = $n",
            ("$s", Name(stage.Severity)), ("$re", string.Join(',', stage.Reasons.Select(r => r.Name()))), ("$i", stage.Id), ("$n", stage.Stage));

    internal static StoredIncidentStage ReadStage(System.Data.Common.DbDataReader r) => new(
        r.GetInt64(0), r.GetInt32(1), Time(r.GetInt64(2)), r.GetString(3), Text(r, 4), Text(r, 5), r.GetString(6), r.GetString(7),
        r.GetString(8).Split(',', StringSplitOptions.RemoveEmptyEntries), r.GetString(9), Text(r, 10), r.GetInt32(11), r.IsDBNull(12) ? null : r.GetInt64(12))
    {
        Occurrences = r.GetInt32(13),
        LastSeen = r.IsDBNull(14) ? Time(r.GetInt64(2)) : Time(r.GetInt64(14)),
    };
}

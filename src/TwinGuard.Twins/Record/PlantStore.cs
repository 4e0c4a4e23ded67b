using System.Globalization;
using Microsoft.Data.Sqlite;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using static TwinGuard.Twins.Record.SqliteCommands;

namespace TwinGuard.Twins.Record;

/// <summary>
/// Findings, incidents and refused data in SQLite (WAL) under the data directory: <c>twinguard.db</c>.
/// </summary>
/// <remarks>
/// Written by one writer (the record stage) in batched transactions; read by the CLI, the API and reports from any
/// number of connections, which WAL lets proceed while the writer writes.
/// </remarks>
public sealed partial class PlantStore : IRecordStore
{
    private const string FindingColumns =
        "id, time_ms, reason, severity, asset, signal, device, value, score, message, explanation, occurrences, last_ms, incident_id, ledger_entry";

    private const string IncidentColumns =
        "id, opened_ms, updated_ms, scope, asset, device, severity, title, rule, reasons, status, finding_count, ledger_entry, campaign_id";

    /// <summary>SQL: the severity <c>$s</c> (rank <c>$rank</c>) when it is higher than the row's, else the row's.</summary>
    private const string HigherSeverity =
        "CASE WHEN $rank > (CASE severity WHEN 'info' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END) THEN $s ELSE severity END";

    private readonly SqliteConnection _connection;

    private readonly string _path;

    private PlantStore(SqliteConnection connection, string path) => (_connection, _path) = (connection, path);

    /// <summary>The database file's name inside the data directory.</summary>
    public const string FileName = "twinguard.db";

    /// <summary>Opens (creating when needed) the store in <paramref name="dataDirectory"/>.</summary>
    public static PlantStore Open(string dataDirectory, bool readOnly = false)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (readOnly && !File.Exists(path))
        {
            throw new IOException($"no TwinGuard database at {path} (has `twinguard serve` run with this --data-dir?)");
        }

        Directory.CreateDirectory(dataDirectory);
        var connection = SqliteCommands.Open(path, readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate);
        var store = new PlantStore(connection, path);
        if (!readOnly)
        {
            connection.Execute("""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = NORMAL;
                CREATE TABLE IF NOT EXISTS findings (
                    id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, reason TEXT NOT NULL, severity TEXT NOT NULL,
                    asset TEXT, signal TEXT, device TEXT, value REAL, score REAL NOT NULL, message TEXT NOT NULL,
                    explanation TEXT, occurrences INTEGER NOT NULL DEFAULT 1, last_ms INTEGER NOT NULL, incident_id INTEGER,
                    ledger_entry INTEGER);
                CREATE INDEX IF NOT EXISTS findings_time ON findings(time_ms);
                CREATE TABLE IF NOT EXISTS incidents (
                    id INTEGER PRIMARY KEY, opened_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, scope TEXT NOT NULL,
                    asset TEXT, device TEXT, severity TEXT NOT NULL, title TEXT NOT NULL, rule TEXT NOT NULL,
                    reasons TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open', finding_count INTEGER NOT NULL,
                    ledger_entry INTEGER);
                CREATE TABLE IF NOT EXISTS refusals (
                    id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, reason TEXT NOT NULL, device TEXT, client_id TEXT,
                    remote TEXT, topic TEXT NOT NULL, asset TEXT, signal TEXT, detail TEXT NOT NULL, payload BLOB);
                CREATE INDEX IF NOT EXISTS refusals_time ON refusals(time_ms);
                CREATE TABLE IF NOT EXISTS record_ids (name TEXT PRIMARY KEY, next INTEGER NOT NULL);
                INSERT OR IGNORE INTO record_ids (name, next) VALUES ('findings', 1), ('incidents', 1);
                """);
            // Added after the first release: a database made before it gets the column on its next start.
            if (connection.Query("SELECT COUNT(*) FROM pragma_table_info('incidents') WHERE name = 'campaign_id'", r => r.GetInt64(0))[0] == 0)
            {
                connection.Execute("ALTER TABLE incidents ADD COLUMN campaign_id INTEGER");
            }

            CreateStages(connection);
        }

        return store;
    }

    /// <summary>Inserts a finding under the id the store reserved for it (<see cref="ReserveIds"/>), with the ledger entry that proves it.</summary>
    public void Insert(Finding f, long id, long ledgerEntry) =>
        _connection.Execute("""
            INSERT INTO findings (id, time_ms, reason, severity, asset, signal, device, value, score, message, explanation, occurrences, last_ms, ledger_entry)
            VALUES ($id, $t, $r, $s, $a, $g, $d, $v, $sc, $m, $e, $o, $t, $le)
            """,
            ("$id", id), ("$t", f.Time.ToUnixTimeMilliseconds()), ("$r", f.Reason.Name()), ("$s", Name(f.Severity)), ("$a", f.AssetId), ("$g", f.SignalId),
            ("$d", f.DeviceId), ("$v", f.Value), ("$sc", f.Score), ("$m", f.Message), ("$e", f.Explanation), ("$o", f.Occurrences), ("$le", ledgerEntry));

    /// <summary>Records that a stored finding happened again.</summary>
    public void AddOccurrences(long findingId, int count, DateTimeOffset last) =>
        _connection.Execute("UPDATE findings SET occurrences = occurrences + $n, last_ms = $l WHERE id = $id",
            ("$n", count), ("$l", last.ToUnixTimeMilliseconds()), ("$id", findingId));

    /// <summary>Inserts an incident (under its own id) over the given findings, with the ledger entry that proves it.</summary>
    public void OpenIncident(Incident incident, IReadOnlyList<long> findingIds, long ledgerEntry)
    {
        _connection.Execute("""
            INSERT INTO incidents (id, opened_ms, updated_ms, scope, asset, device, severity, title, rule, reasons, finding_count, ledger_entry, campaign_id)
            VALUES ($id, $o, $o, $sc, $a, $d, $s, $t, $r, $re, $n, $le, $c)
            """,
            ("$id", incident.Id), ("$o", incident.Opened.ToUnixTimeMilliseconds()), ("$sc", incident.Scope), ("$a", incident.AssetId), ("$d", incident.DeviceId),
            ("$s", Name(incident.Severity)), ("$t", incident.Title), ("$r", incident.Rule),
            ("$re", string.Join(',', incident.Reasons.Select(r => r.Name()))), ("$n", findingIds.Count), ("$le", ledgerEntry), ("$c", incident.CampaignId));
        foreach (var findingId in findingIds)
        {
            _connection.Execute("UPDATE findings SET incident_id = $i WHERE id = $f", ("$i", incident.Id), ("$f", findingId));
        }

        foreach (var stage in incident.Stages)
        {
            InsertStage(incident.Id, stage, findingIds.Count, ledgerEntry);
        }
    }

    /// <summary>Closes an incident: later findings in its scope open a new one.</summary>
    public void CloseIncident(long incidentId, DateTimeOffset time, string status) =>
        _connection.Execute("UPDATE incidents SET status = $st, updated_ms = MAX(updated_ms, $u) WHERE id = $i AND status = 'open'",
            ("$st", status), ("$u", time.ToUnixTimeMilliseconds()), ("$i", incidentId));

    /// <summary>Attaches a finding to an open incident, raising its severity and reasons as needed.</summary>
    public void JoinIncident(long incidentId, long findingId, Finding finding)
    {
        _connection.Execute("UPDATE findings SET incident_id = $i WHERE id = $f", ("$i", incidentId), ("$f", findingId));
        _connection.Execute($"""
            UPDATE incidents SET updated_ms = $u, finding_count = finding_count + 1,
              severity = {HigherSeverity},
              reasons = CASE WHEN instr(',' || reasons || ',', ',' || $r || ',') > 0 THEN reasons ELSE reasons || ',' || $r END
            WHERE id = $i
            """,
            ("$u", finding.Time.ToUnixTimeMilliseconds()), ("$rank", (int)finding.Severity), ("$s", Name(finding.Severity)),
            ("$r", finding.Reason.Name()), ("$i", incidentId));
    }

    /// <summary>
    /// Writes an escalated incident's (or stage's) severity, reasons and device as the correlator holds them now: the
    /// incident keeps the highest severity and every reason of all its stages, the stage its own.
    /// </summary>
    public void UpdateIncident(Incident incident, DateTimeOffset updated)
    {
        var reasons = Incident(incident.Id)?.Reasons ?? [];
        _connection.Execute($"""
            UPDATE incidents SET updated_ms = MAX(updated_ms, $u),
              severity = {HigherSeverity},
              reasons = $re, device = COALESCE(device, $d) WHERE id = $i
            """,
            ("$u", updated.ToUnixTimeMilliseconds()), ("$rank", (int)incident.Severity), ("$s", Name(incident.Severity)),
            ("$re", string.Join(',', reasons.Concat(incident.Reasons.Select(r => r.Name())).Distinct(StringComparer.Ordinal))),
            ("$d", incident.DeviceId), ("$i", incident.Id));
        UpdateStage(incident);
    }

    internal static string CheckTable(string table) =>
        table is "findings" or "incidents" ? table : throw new ArgumentOutOfRangeException(nameof(table), table, "findings or incidents");

    /// <summary>Keeps refused data for forensics.</summary>
    public void Insert(Refusal r) =>
        _connection.Execute("""
            INSERT INTO refusals (time_ms, reason, device, client_id, remote, topic, asset, signal, detail, payload)
            VALUES ($t, $r, $d, $c, $re, $to, $a, $s, $de, $p)
            """,
            ("$t", r.Time.ToUnixTimeMilliseconds()), ("$r", r.Reason.Name()), ("$d", r.DeviceId), ("$c", r.ClientId), ("$re", r.RemoteEndpoint),
            ("$to", r.Topic), ("$a", r.AssetId), ("$s", r.SignalId), ("$de", r.Detail), ("$p", r.Payload.IsEmpty ? null : r.Payload.ToArray()));

    /// <summary>Findings, newest first, optionally of one asset, signal (findings of the whole asset included) or incident, and not older than <paramref name="since"/>.</summary>
    public IReadOnlyList<StoredFinding> Findings(int limit = 1000, long? incidentId = null, string? asset = null, string? signal = null, DateTimeOffset? since = null) =>
        _connection.Query(
            $"SELECT {FindingColumns} FROM findings WHERE ($a IS NULL OR asset = $a) AND ($s IS NULL OR signal = $s OR signal IS NULL) "
            + "AND ($i IS NULL OR incident_id = $i) AND ($t IS NULL OR last_ms >= $t) ORDER BY id DESC LIMIT $n",
            ReadFinding,
            ("$a", asset), ("$s", signal), ("$i", incidentId), ("$t", since?.ToUnixTimeMilliseconds()), ("$n", limit));

    /// <summary>One finding, or null.</summary>
    public StoredFinding? Finding(long id) => _connection.Query($"SELECT {FindingColumns} FROM findings WHERE id = $id", ReadFinding, ("$id", id)).FirstOrDefault();

    /// <summary>Incidents, newest first, optionally of one asset.</summary>
    public IReadOnlyList<StoredIncident> Incidents(int limit = 1000, string? asset = null) =>
        _connection.Query($"SELECT {IncidentColumns} FROM incidents WHERE ($a IS NULL OR asset = $a) ORDER BY id DESC LIMIT $n", ReadIncident, ("$a", asset), ("$n", limit));

    /// <summary>The incidents of a campaign, first stage first: the one with id <paramref name="campaignId"/> and those that continue it.</summary>
    public IReadOnlyList<StoredIncident> Campaign(long campaignId) =>
        _connection.Query($"SELECT {IncidentColumns} FROM incidents WHERE id = $c OR campaign_id = $c ORDER BY opened_ms, id", ReadIncident, ("$c", campaignId));

    /// <summary>One incident, or null.</summary>
    public StoredIncident? Incident(long id) => _connection.Query($"SELECT {IncidentColumns} FROM incidents WHERE id = $id", ReadIncident, ("$id", id)).FirstOrDefault();

    /// <summary>Refusals counted per device and reason.</summary>
    public IReadOnlyList<(string? Device, string Reason, long Count)> RefusalCounts() =>
        _connection.Query("SELECT device, reason, count(*) FROM refusals GROUP BY device, reason ORDER BY device, reason", r => (Text(r, 0), r.GetString(1), r.GetInt64(2)));

    /// <inheritdoc />
    public void Dispose()
    {
        _connection.Dispose();
        CloseIds();
    }

    internal static string Name(Severity severity) => severity.ToString().ToLowerInvariant();

    internal static StoredFinding ReadFinding(System.Data.Common.DbDataReader r) => new(
        r.GetInt64(0), Time(r.GetInt64(1)), r.GetString(2), r.GetString(3), Text(r, 4), Text(r, 5), Text(r, 6),
        r.IsDBNull(7) ? null : r.GetDouble(7), r.GetDouble(8), r.GetString(9), Text(r, 10), r.GetInt32(11),
        Time(r.GetInt64(12)), r.IsDBNull(13) ? null : r.GetInt64(13), r.IsDBNull(14) ? null : r.GetInt64(14));

    internal static StoredIncident ReadIncident(System.Data.Common.DbDataReader r) => new(
        r.GetInt64(0), Time(r.GetInt64(1)), Time(r.GetInt64(2)), r.GetString(3), Text(r, 4), Text(r, 5),
        r.GetString(6), r.GetString(7), r.GetString(8), r.GetString(9).Split(',', StringSplitOptions.RemoveEmptyEntries),
        r.GetString(10), r.GetInt32(11), r.IsDBNull(12) ? null : r.GetInt64(12))
    {
        CampaignId = r.IsDBNull(13) ? null : r.GetInt64(13),
    };
}

using System.Data.Common;
using System.Text.Json;
using TwinGuard.Twins.Record;
using static TwinGuard.Twins.Record.SqliteCommands;

namespace TwinGuard.Twins.Respond;

/// <summary>
/// The respond stage's records: actions, quarantines (the quarantine store) and approvals, in the site's
/// <c>twinguard.db</c> on a single node and in the cluster's PostgreSQL when the cluster file names one (the same
/// tables and SQL, <see cref="RecordsDatabase"/>). Serve writes them; the CLI reads them and writes operators'
/// decisions, which serve picks up by polling.
/// </summary>
/// <remarks>
/// SQLite: its own connection and tables beside <see cref="PlantStore"/>'s, in WAL mode, so serve and the CLI can
/// write at the same time (SQLite serialises writers; a busy writer is waited for, up to five seconds). PostgreSQL:
/// every silo and the CLI share the rows, so a quarantine any of them makes holds on all and survives any restart.
/// </remarks>
public sealed partial class ResponseStore : IDisposable
{
    private const string SqliteSchema = """
        PRAGMA busy_timeout = 5000;
        CREATE TABLE IF NOT EXISTS response_actions (
            id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, incident_id INTEGER, playbook TEXT, action TEXT NOT NULL,
            target TEXT NOT NULL, outcome TEXT NOT NULL, actor TEXT NOT NULL, detail TEXT NOT NULL, elapsed_us INTEGER NOT NULL,
            approval_id INTEGER);
        CREATE INDEX IF NOT EXISTS response_actions_incident ON response_actions(incident_id);
        CREATE TABLE IF NOT EXISTS quarantines (
            id INTEGER PRIMARY KEY, kind TEXT NOT NULL, target TEXT NOT NULL, incident_id INTEGER, since_ms INTEGER NOT NULL,
            actor TEXT NOT NULL, reason TEXT NOT NULL, expires_ms INTEGER, released_ms INTEGER, released_by TEXT,
            release_why TEXT, lifted_ms INTEGER);
        CREATE UNIQUE INDEX IF NOT EXISTS quarantines_active ON quarantines(kind, target) WHERE released_ms IS NULL;
        CREATE TABLE IF NOT EXISTS approvals (
            id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL, playbook TEXT NOT NULL, action_index INTEGER NOT NULL,
            action TEXT NOT NULL, target TEXT NOT NULL, requested_ms INTEGER NOT NULL, deadline_ms INTEGER NOT NULL,
            approve_on_timeout INTEGER NOT NULL, status TEXT NOT NULL, decided_by TEXT, decided_ms INTEGER, why TEXT,
            context TEXT NOT NULL, claimed_by TEXT, claimed_ms INTEGER, claimed_status TEXT);
        CREATE TABLE IF NOT EXISTS suppressions (
            id INTEGER PRIMARY KEY, reason TEXT NOT NULL, asset TEXT NOT NULL, signal TEXT, expires_ms INTEGER NOT NULL,
            actor TEXT NOT NULL, why TEXT NOT NULL, finding_id INTEGER NOT NULL, created_ms INTEGER NOT NULL,
            lifted_ms INTEGER, lifted_by TEXT);
        CREATE TABLE IF NOT EXISTS threshold_raises (
            asset TEXT NOT NULL, signal TEXT NOT NULL, factor REAL NOT NULL, actor TEXT NOT NULL, why TEXT NOT NULL,
            finding_id INTEGER NOT NULL, time_ms INTEGER NOT NULL, PRIMARY KEY (asset, signal));
        CREATE TABLE IF NOT EXISTS learning_exclusions (
            id INTEGER PRIMARY KEY, asset TEXT NOT NULL, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL, actor TEXT NOT NULL,
            why TEXT NOT NULL, incident_id INTEGER, time_ms INTEGER NOT NULL);
        """;

    // The same tables in PostgreSQL: BIGINT where SQLite's INTEGER is read as a long, INTEGER where it is read as an int.
    private const string PostgresSchema = """
        CREATE TABLE IF NOT EXISTS response_actions (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, time_ms BIGINT NOT NULL, incident_id BIGINT, playbook TEXT, action TEXT NOT NULL,
            target TEXT NOT NULL, outcome TEXT NOT NULL, actor TEXT NOT NULL, detail TEXT NOT NULL, elapsed_us BIGINT NOT NULL);
        ALTER TABLE response_actions ADD COLUMN IF NOT EXISTS approval_id BIGINT;
        CREATE INDEX IF NOT EXISTS response_actions_incident ON response_actions(incident_id);
        CREATE TABLE IF NOT EXISTS quarantines (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind TEXT NOT NULL, target TEXT NOT NULL, incident_id BIGINT, since_ms BIGINT NOT NULL,
            actor TEXT NOT NULL, reason TEXT NOT NULL, expires_ms BIGINT, released_ms BIGINT, released_by TEXT,
            release_why TEXT, lifted_ms BIGINT);
        CREATE UNIQUE INDEX IF NOT EXISTS quarantines_active ON quarantines(kind, target) WHERE released_ms IS NULL;
        CREATE TABLE IF NOT EXISTS approvals (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, incident_id BIGINT NOT NULL, playbook TEXT NOT NULL, action_index INTEGER NOT NULL,
            action TEXT NOT NULL, target TEXT NOT NULL, requested_ms BIGINT NOT NULL, deadline_ms BIGINT NOT NULL,
            approve_on_timeout BIGINT NOT NULL, status TEXT NOT NULL, decided_by TEXT, decided_ms BIGINT, why TEXT,
            context TEXT NOT NULL);
        ALTER TABLE approvals ADD COLUMN IF NOT EXISTS claimed_by TEXT;
        ALTER TABLE approvals ADD COLUMN IF NOT EXISTS claimed_ms BIGINT;
        ALTER TABLE approvals ADD COLUMN IF NOT EXISTS claimed_status TEXT;
        CREATE TABLE IF NOT EXISTS suppressions (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, reason TEXT NOT NULL, asset TEXT NOT NULL, signal TEXT, expires_ms BIGINT NOT NULL,
            actor TEXT NOT NULL, why TEXT NOT NULL, finding_id BIGINT NOT NULL, created_ms BIGINT NOT NULL,
            lifted_ms BIGINT, lifted_by TEXT);
        CREATE TABLE IF NOT EXISTS threshold_raises (
            asset TEXT NOT NULL, signal TEXT NOT NULL, factor DOUBLE PRECISION NOT NULL, actor TEXT NOT NULL, why TEXT NOT NULL,
            finding_id BIGINT NOT NULL, time_ms BIGINT NOT NULL, PRIMARY KEY (asset, signal));
        CREATE TABLE IF NOT EXISTS learning_exclusions (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, asset TEXT NOT NULL, from_ms BIGINT NOT NULL, to_ms BIGINT NOT NULL, actor TEXT NOT NULL,
            why TEXT NOT NULL, incident_id BIGINT, time_ms BIGINT NOT NULL);
        """;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
    private readonly RecordsDatabase _db;
    private readonly TimeProvider _time;

    private ResponseStore(RecordsDatabase db, TimeProvider time)
    {
        _db = db;
        _time = time;
    }

    /// <summary>Raised after every action record is written: the ledger hook.</summary>
    public event Action<ActionRecord>? ActionRecorded;

    /// <summary>Where the rows are: <c>sqlite &lt;path&gt;</c> or <c>postgresql user@host:port/database</c>.</summary>
    public string Description => _db.Description;

    /// <summary>Opens (creating when needed) the store in <paramref name="dataDirectory"/>.</summary>
    public static ResponseStore Open(string dataDirectory, TimeProvider? time = null) =>
        Open(RecordsDatabase.OpenSqlite(Path.Combine(dataDirectory, PlantStore.FileName)), time);

    /// <summary>Opens the store in <paramref name="db"/> (creating its tables when missing), which it then owns.</summary>
    public static ResponseStore Open(RecordsDatabase db, TimeProvider? time = null)
    {
        try
        {
            db.CreateSchema(SqliteSchema, PostgresSchema);
            AddClaimColumns(db);
        }
        catch
        {
            db.Dispose();
            throw;
        }

        return new ResponseStore(db, time ?? TimeProvider.System);
    }

    /// <summary>
    /// Records an action and raises <see cref="ActionRecorded"/>; with <paramref name="approvalId"/>, as carrying out that
    /// approval (a serve that takes the approval over from one that died sees it was, <see cref="ApprovalCarriedOut"/>).
    /// </summary>
    public ActionRecord Record(long? incidentId, string? playbook, string action, string target, ActionOutcome outcome, string by, string detail, TimeSpan elapsed, long? approvalId = null)
    {
        var now = _time.GetUtcNow();
        var id = _db.Scalar("""
            INSERT INTO response_actions (time_ms, incident_id, playbook, action, target, outcome, actor, detail, elapsed_us, approval_id)
            VALUES (@t, @i, @p, @a, @g, @o, @b, @d, @e, @x) RETURNING id
            """,
            ("@t", now.ToUnixTimeMilliseconds()), ("@i", incidentId), ("@p", playbook), ("@a", action), ("@g", target), ("@o", Name(outcome)),
            ("@b", by), ("@d", detail), ("@e", (long)(elapsed.Ticks / 10)), ("@x", approvalId));
        var record = new ActionRecord(id, now, incidentId, playbook, action, target, outcome, by, detail, elapsed);
        ActionRecorded?.Invoke(record);
        return record;
    }

    /// <summary>Actions, oldest first; all of them or one incident's.</summary>
    public IReadOnlyList<ActionRecord> Actions(long? incidentId = null, int limit = 10_000)
    {
        (string, object?)[] parameters = incidentId is null ? [("@n", limit)] : [("@i", incidentId), ("@n", limit)];
        return _db.Query(
            "SELECT id, time_ms, incident_id, playbook, action, target, outcome, actor, detail, elapsed_us FROM response_actions "
            + (incidentId is null ? string.Empty : "WHERE incident_id = @i ") + "ORDER BY id LIMIT @n",
            reader => new ActionRecord(
                reader.GetInt64(0), Time(reader.GetInt64(1)), NullableLong(reader, 2), Text(reader, 3), reader.GetString(4), reader.GetString(5),
                ParseOutcome(reader.GetString(6)), reader.GetString(7), reader.GetString(8), TimeSpan.FromTicks(reader.GetInt64(9) * 10)),
            parameters);
    }

    /// <summary>
    /// Where a source that is not a device of the plant tried to connect from since <paramref name="since"/>, from the
    /// refusals the record stage keeps (table <c>refusals</c> of <see cref="PlantStore"/> or <see cref="PostgresRecordStore"/>).
    /// </summary>
    public IReadOnlyList<string> RecentRefusalEndpoints(string source, DateTimeOffset since)
    {
        try
        {
            return _db.Query(
                "SELECT remote FROM refusals WHERE device = @d AND time_ms >= @s AND remote IS NOT NULL GROUP BY remote ORDER BY max(id) DESC LIMIT 16",
                r => r.GetString(0),
                ("@d", source), ("@s", since.ToUnixTimeMilliseconds()));
        }
        catch (DbException)
        {
            return []; // No refusals table: this database has never had a record stage.
        }
    }

    /// <inheritdoc />
    public void Dispose() => _db.Dispose();

    /// <summary>
    /// The columns added with approval leases, on an SQLite database made before them (PostgreSQL adds them in its schema
    /// script, under the schema lock).
    /// </summary>
    private static void AddClaimColumns(RecordsDatabase db)
    {
        if (db.IsPostgres)
        {
            return;
        }

        bool Has(string table, string column) =>
            db.Query($"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'", r => r.GetInt64(0))[0] > 0;
        if (!Has("approvals", "claimed_by"))
        {
            db.Execute("ALTER TABLE approvals ADD COLUMN claimed_by TEXT; ALTER TABLE approvals ADD COLUMN claimed_ms INTEGER; ALTER TABLE approvals ADD COLUMN claimed_status TEXT;");
        }

        if (!Has("response_actions", "approval_id"))
        {
            db.Execute("ALTER TABLE response_actions ADD COLUMN approval_id INTEGER");
        }
    }

    /// <summary>The snake_case name of an outcome, as stored.</summary>
    public static string Name(ActionOutcome outcome) => outcome switch
    {
        ActionOutcome.AlreadyInPlace => "already_in_place",
        ActionOutcome.AwaitingApproval => "awaiting_approval",
        _ => outcome.ToString().ToLowerInvariant(),
    };

    /// <summary>The snake_case name of a quarantine kind, as stored.</summary>
    public static string Name(QuarantineKind kind) => kind == QuarantineKind.ReadOnly ? "read_only" : kind.ToString().ToLowerInvariant();

    private static ActionOutcome ParseOutcome(string name) => Enum.GetValues<ActionOutcome>().First(o => Name(o) == name);

    private static QuarantineKind ParseKind(string name) => Enum.GetValues<QuarantineKind>().First(k => Name(k) == name);
}

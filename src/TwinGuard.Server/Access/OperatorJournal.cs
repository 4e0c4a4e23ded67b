using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Access;

/// <summary>
/// What operators and analysts wrote through the API: verdicts, asset notes and maintenance mode, in
/// <c>operator.db</c>. Every write is also an action record (response store) and a ledger entry: see <see cref="WriteRecorder"/>.
/// </summary>
/// <remarks>Thread-safe (<see cref="RecordsDatabase"/>). In a cluster with a records store, every silo's journal is the same rows.</remarks>
internal sealed class OperatorJournal : IDisposable
{
    private const string SqliteSchema = """
            CREATE TABLE IF NOT EXISTS verdicts (
                id INTEGER PRIMARY KEY, subject TEXT NOT NULL, subject_id INTEGER NOT NULL, asset TEXT, verdict TEXT NOT NULL,
                comment TEXT NOT NULL, actor TEXT NOT NULL, time_ms INTEGER NOT NULL, ledger_entry INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS verdicts_subject ON verdicts(subject, subject_id);
            CREATE TABLE IF NOT EXISTS asset_notes (
                id INTEGER PRIMARY KEY, asset TEXT NOT NULL, text TEXT NOT NULL, actor TEXT NOT NULL, time_ms INTEGER NOT NULL,
                ledger_entry INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS maintenance (
                asset TEXT PRIMARY KEY, enabled INTEGER NOT NULL, reason TEXT NOT NULL, actor TEXT NOT NULL, time_ms INTEGER NOT NULL);
            """;

    private const string PostgresSchema = """
        CREATE TABLE IF NOT EXISTS verdicts (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, subject TEXT NOT NULL, subject_id BIGINT NOT NULL, asset TEXT, verdict TEXT NOT NULL,
            comment TEXT NOT NULL, actor TEXT NOT NULL, time_ms BIGINT NOT NULL, ledger_entry BIGINT NOT NULL);
        CREATE INDEX IF NOT EXISTS verdicts_subject ON verdicts(subject, subject_id);
        CREATE TABLE IF NOT EXISTS asset_notes (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, asset TEXT NOT NULL, text TEXT NOT NULL, actor TEXT NOT NULL, time_ms BIGINT NOT NULL,
            ledger_entry BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS maintenance (
            asset TEXT PRIMARY KEY, enabled BIGINT NOT NULL, reason TEXT NOT NULL, actor TEXT NOT NULL, time_ms BIGINT NOT NULL);
        """;

    private readonly RecordsDatabase _db;

    private OperatorJournal(RecordsDatabase db) => _db = db;

    /// <summary>Opens (creating when needed) the journal of a data directory.</summary>
    public static OperatorJournal Open(string dataDirectory) => Open(OperatorDatabase.Open(dataDirectory));

    /// <summary>Opens (creating its tables when needed) the journal in <paramref name="db"/>, which it then owns.</summary>
    public static OperatorJournal Open(RecordsDatabase db)
    {
        try
        {
            db.CreateSchema(SqliteSchema, PostgresSchema);
        }
        catch
        {
            db.Dispose();
            throw;
        }

        return new OperatorJournal(db);
    }

    /// <summary>Stores a verdict (a later one on the same subject supersedes it; both are kept).</summary>
    public Verdict AddVerdict(string subject, long subjectId, string? assetId, string value, string comment, string by, DateTimeOffset time, long ledgerEntry)
    {
        var id = _db.Scalar("""
            INSERT INTO verdicts (subject, subject_id, asset, verdict, comment, actor, time_ms, ledger_entry)
            VALUES (@s, @i, @a, @v, @c, @b, @t, @l) RETURNING id
            """,
            ("@s", subject), ("@i", subjectId), ("@a", assetId), ("@v", value), ("@c", comment), ("@b", by), ("@t", time.ToUnixTimeMilliseconds()), ("@l", ledgerEntry));
        return new Verdict(id, subject, subjectId, assetId, value, comment, by, time, ledgerEntry);
    }

    /// <summary>Verdicts, oldest first: all, or those of one subject.</summary>
    public IReadOnlyList<Verdict> Verdicts(string? subject = null, long? subjectId = null)
    {
        // Only the filters given: PostgreSQL cannot type a parameter that is only ever compared with NULL.
        var where = subject is null ? string.Empty : subjectId is null ? "WHERE subject = @s " : "WHERE subject = @s AND subject_id = @i ";
        (string, object?)[] parameters = subject is null ? [] : subjectId is null ? [("@s", subject)] : [("@s", subject), ("@i", subjectId)];
        return _db.Query(
            $"SELECT id, subject, subject_id, asset, verdict, comment, actor, time_ms, ledger_entry FROM verdicts {where}ORDER BY id",
            r => new Verdict(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetString(4), r.GetString(5),
                r.GetString(6), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)), r.GetInt64(8)),
            parameters);
    }

    /// <summary>Stores a note on an asset.</summary>
    public AssetNote AddNote(string assetId, string text, string by, DateTimeOffset time, long ledgerEntry)
    {
        var id = _db.Scalar(
            "INSERT INTO asset_notes (asset, text, actor, time_ms, ledger_entry) VALUES (@a, @x, @b, @t, @l) RETURNING id",
            ("@a", assetId), ("@x", text), ("@b", by), ("@t", time.ToUnixTimeMilliseconds()), ("@l", ledgerEntry));
        return new AssetNote(id, assetId, text, by, time, ledgerEntry);
    }

    /// <summary>An asset's notes, oldest first.</summary>
    public IReadOnlyList<AssetNote> Notes(string assetId) =>
        _db.Query(
            "SELECT id, asset, text, actor, time_ms, ledger_entry FROM asset_notes WHERE asset = @a ORDER BY id",
            r => new AssetNote(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), r.GetInt64(5)),
            ("@a", assetId));

    /// <summary>Switches an asset's maintenance mode.</summary>
    public MaintenanceMode SetMaintenance(string assetId, bool enabled, string reason, string by, DateTimeOffset time)
    {
        _db.Execute("""
            INSERT INTO maintenance (asset, enabled, reason, actor, time_ms) VALUES (@a, @e, @r, @b, @t)
            ON CONFLICT(asset) DO UPDATE SET enabled = @e, reason = @r, actor = @b, time_ms = @t
            """,
            ("@a", assetId), ("@e", enabled ? 1L : 0L), ("@r", reason), ("@b", by), ("@t", time.ToUnixTimeMilliseconds()));
        return new MaintenanceMode(assetId, enabled, reason, by, time);
    }

    /// <summary>The maintenance mode of an asset, or null when it was never switched.</summary>
    public MaintenanceMode? Maintenance(string assetId) =>
        _db.Query(
            "SELECT asset, enabled, reason, actor, time_ms FROM maintenance WHERE asset = @a",
            r => new MaintenanceMode(r.GetString(0), r.GetInt64(1) == 1, r.GetString(2), r.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4))),
            ("@a", assetId)).FirstOrDefault();

    /// <inheritdoc />
    public void Dispose() => _db.Dispose();
}

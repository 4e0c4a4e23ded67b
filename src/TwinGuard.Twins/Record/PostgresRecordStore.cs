using System.Globalization;
using Npgsql;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Record;

/// <summary>
/// The records of a cluster in PostgreSQL (15 or later, through Npgsql): the same tables, columns and read model as
/// <see cref="PlantStore"/>, shared by every silo. Ids come from sequences (<c>findings_ids</c>, <c>incidents_ids</c>),
/// so two silos never number two findings alike; refusals number themselves (identity).
/// </summary>
/// <remarks>
/// Each call takes a pooled connection of its own, so reads from the API, the CLI and the record stage's batch proceed
/// together. The connection string's password is kept by Npgsql alone: <see cref="Description"/> and every error this
/// type raises name the host and database only.
/// </remarks>
public sealed class PostgresRecordStore : IRecordStore
{
    private const string FindingColumns =
        "id, time_ms, reason, severity, asset, signal, device, value, score, message, explanation, occurrences, last_ms, incident_id, ledger_entry";

    private const string IncidentColumns =
        "id, opened_ms, updated_ms, scope, asset, device, severity, title, rule, reasons, status, finding_count, ledger_entry, campaign_id";

    // Every silo creates the schema when it starts; the lock serialises them (concurrent CREATE ... IF NOT EXISTS can
    // still collide in the catalogue).
    private const long SchemaLock = 0x7477_6e67_7264_0001;

    private readonly NpgsqlDataSource _source;

    private PostgresRecordStore(NpgsqlDataSource source, string description) => (_source, Description) = (source, description);

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>Connects with <paramref name="connectionString"/> (an Npgsql connection string) and creates the schema when missing.</summary>
    /// <exception cref="RecordStoreException">The string is malformed or the server cannot be reached; the message names no password.</exception>
    public static PostgresRecordStore Open(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            // The exception's message can quote the string, password and all.
            throw new RecordStoreException("the PostgreSQL connection string is malformed (expected Host=...;Database=...;Username=...;Password=...)");
        }

        var description = Describe(builder);
        builder.ApplicationName ??= "twinguard";
        var store = new PostgresRecordStore(new NpgsqlDataSourceBuilder(builder.ConnectionString).Build(), description);
        try
        {
            store.CreateSchema();
            return store;
        }
        catch (Exception ex) when (ex is NpgsqlException or PostgresException or InvalidOperationException or TimeoutException)
        {
            store.Dispose();
            // Not chained: the cause could carry what the server was given.
            throw new RecordStoreException($"cannot open the records store {description}: {Redact(ex.Message, builder.Password)}");
        }
    }

    /// <summary><c>postgresql user@host:port/database</c>: what logs and status may show of a connection string.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder) =>
        string.Create(CultureInfo.InvariantCulture, $"postgresql {builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}");

    /// <inheritdoc />
    public IReadOnlyList<long> ReserveIds(string table, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        using var connection = _source.OpenConnection();
        var ids = DbCommands.Query(connection, $"SELECT nextval('{PlantStore.CheckTable(table)}_ids') FROM generate_series(1, @n)", r => r.GetInt64(0), ("@n", count));
        ids.Sort();
        return ids;
    }

    /// <inheritdoc />
    public IRecordBatch BeginBatch()
    {
        var connection = _source.OpenConnection();
        try
        {
            return new PostgresRecordBatch(connection, connection.BeginTransaction());
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<StoredFinding> Findings(int limit = 1000, long? incidentId = null, string? asset = null, string? signal = null, DateTimeOffset? since = null)
    {
        // Only the filters given: PostgreSQL cannot type a parameter that is only ever compared with NULL.
        var where = new List<string> { "TRUE" };
        var parameters = new List<(string, object?)> { ("@n", (long)limit) };
        void Filter(string clause, string name, object? value)
        {
            if (value is not null)
            {
                where.Add(clause);
                parameters.Add((name, value));
            }
        }

        Filter("asset = @a", "@a", asset);
        Filter("(signal = @s OR signal IS NULL)", "@s", signal);
        Filter("incident_id = @i", "@i", incidentId);
        Filter("last_ms >= @t", "@t", since?.ToUnixTimeMilliseconds());
        return Read($"SELECT {FindingColumns} FROM findings WHERE {string.Join(" AND ", where)} ORDER BY id DESC LIMIT @n", PlantStore.ReadFinding, [.. parameters]);
    }

    /// <inheritdoc />
    public StoredFinding? Finding(long id) => Read($"SELECT {FindingColumns} FROM findings WHERE id = @id", PlantStore.ReadFinding, ("@id", id)).FirstOrDefault();

    /// <inheritdoc />
    public IReadOnlyList<StoredIncident> Incidents(int limit = 1000, string? asset = null) => asset is null
        ? Read($"SELECT {IncidentColumns} FROM incidents ORDER BY id DESC LIMIT @n", PlantStore.ReadIncident, ("@n", (long)limit))
        : Read($"SELECT {IncidentColumns} FROM incidents WHERE asset = @a ORDER BY id DESC LIMIT @n", PlantStore.ReadIncident, ("@a", asset), ("@n", (long)limit));

    /// <inheritdoc />
    public IReadOnlyList<StoredIncident> Campaign(long campaignId) =>
        Read($"SELECT {IncidentColumns} FROM incidents WHERE id = @c OR campaign_id = @c ORDER BY opened_ms, id", PlantStore.ReadIncident, ("@c", campaignId));

    /// <inheritdoc />
    public IReadOnlyList<StoredIncidentStage> Stages(long incidentId) =>
        Read($"SELECT {PlantStore.StageColumns} FROM incident_stages WHERE incident_id = @i ORDER BY stage", PlantStore.ReadStage, ("@i", incidentId));

    public StoredIncident? Incident(long id) => Read($"SELECT {IncidentColumns} FROM incidents WHERE id = @id", PlantStore.ReadIncident, ("@id", id)).FirstOrDefault();

    /// <inheritdoc />
    public IReadOnlyList<(string? Device, string Reason, long Count)> RefusalCounts() =>
        Read("""SELECT device, reason, count(*) FROM refusals GROUP BY device, reason ORDER BY device COLLATE "C" NULLS FIRST, reason COLLATE "C" """, r => (SqliteCommands.Text(r, 0), r.GetString(1), r.GetInt64(2)));

    /// <inheritdoc />
    public (long Cut, IReadOnlyList<string> Bounds) RetentionCut(string table, RetentionRule rule, DateTimeOffset now)
    {
        using var connection = _source.OpenConnection();
        return RecordRetention.Cut(connection, table, rule, now);
    }

    /// <inheritdoc />
    public PrunedRange? CollectPruned(string table, long cut, IReadOnlyList<string> bounds, int batch)
    {
        using var connection = _source.OpenConnection();
        return RecordRetention.Collect(connection, table, cut, bounds, batch);
    }

    /// <inheritdoc />
    public long DeletePruned(PrunedRange range)
    {
        using var connection = _source.OpenConnection();
        return RecordRetention.Delete(connection, range);
    }

    /// <inheritdoc />
    public void Dispose() => _source.Dispose();

    /// <summary>Removes <paramref name="password"/> from a message (a server's error may quote what it was given).</summary>
    internal static string Redact(string message, string? password) =>
        string.IsNullOrEmpty(password) ? message : message.Replace(password, "***", StringComparison.Ordinal);

    private List<T> Read<T>(string sql, Func<System.Data.Common.DbDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var connection = _source.OpenConnection();
        return DbCommands.Query(connection, sql, read, parameters);
    }

    private void CreateSchema()
    {
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var cmd = DbCommands.Command(connection, $"""
            SELECT pg_advisory_xact_lock({SchemaLock});
            CREATE TABLE IF NOT EXISTS findings (
                id BIGINT PRIMARY KEY, time_ms BIGINT NOT NULL, reason TEXT NOT NULL, severity TEXT NOT NULL,
                asset TEXT, signal TEXT, device TEXT, value DOUBLE PRECISION, score DOUBLE PRECISION NOT NULL, message TEXT NOT NULL,
                explanation TEXT, occurrences INTEGER NOT NULL DEFAULT 1, last_ms BIGINT NOT NULL, incident_id BIGINT,
                ledger_entry BIGINT);
            CREATE INDEX IF NOT EXISTS findings_time ON findings(time_ms);
            CREATE INDEX IF NOT EXISTS findings_incident ON findings(incident_id);
            CREATE SEQUENCE IF NOT EXISTS findings_ids;
            CREATE TABLE IF NOT EXISTS incidents (
                id BIGINT PRIMARY KEY, opened_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL, scope TEXT NOT NULL,
                asset TEXT, device TEXT, severity TEXT NOT NULL, title TEXT NOT NULL, rule TEXT NOT NULL,
                reasons TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open', finding_count INTEGER NOT NULL,
                ledger_entry BIGINT, campaign_id BIGINT);
            CREATE SEQUENCE IF NOT EXISTS incidents_ids;
            CREATE TABLE IF NOT EXISTS incident_stages (
                incident_id BIGINT NOT NULL, stage INTEGER NOT NULL, time_ms BIGINT NOT NULL, scope TEXT NOT NULL, asset TEXT,
                device TEXT, severity TEXT NOT NULL, rule TEXT NOT NULL, reasons TEXT NOT NULL, title TEXT NOT NULL, link TEXT,
                finding_count INTEGER NOT NULL, ledger_entry BIGINT, PRIMARY KEY (incident_id, stage));
            ALTER TABLE incident_stages ADD COLUMN IF NOT EXISTS occurrences INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE incident_stages ADD COLUMN IF NOT EXISTS last_seen_ms BIGINT;
            CREATE TABLE IF NOT EXISTS refusals (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, time_ms BIGINT NOT NULL, reason TEXT NOT NULL, device TEXT, client_id TEXT,
                remote TEXT, topic TEXT NOT NULL, asset TEXT, signal TEXT, detail TEXT NOT NULL, payload BYTEA);
            CREATE INDEX IF NOT EXISTS refusals_time ON refusals(time_ms);
            """);
        cmd.Transaction = transaction;
        cmd.ExecuteNonQuery();
        transaction.Commit();
    }
}

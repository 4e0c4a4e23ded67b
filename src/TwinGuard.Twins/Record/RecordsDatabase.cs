using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace TwinGuard.Twins.Record;

/// <summary>
/// The database an operator-facing store (quarantines and approvals, API keys, the operator journal) keeps its rows
/// in: one SQLite file of the data directory on a single node, the cluster's PostgreSQL when the cluster file names
/// one (docs/cluster.md). The stores write one SQL for both, with parameters named <c>@name</c>.
/// </summary>
/// <remarks>
/// Thread-safe. SQLite: one connection behind a lock (SQLite serialises writers anyway). PostgreSQL: a pooled
/// connection per call, so every silo and the CLI read and write the same rows at once. Nothing here prints the
/// connection string: <see cref="Description"/> names the host and database only.
/// </remarks>
public sealed class RecordsDatabase : IDisposable
{
    // Serialises the silos creating the same tables at start (concurrent CREATE ... IF NOT EXISTS can collide in the catalogue).
    private const long SchemaLock = 0x7477_6e67_7264_0002;

    private readonly SqliteConnection? _sqlite;
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _password;
    private readonly Lock _lock = new();

    private RecordsDatabase(SqliteConnection? sqlite, NpgsqlDataSource? postgres, string description, string? password = null) =>
        (_sqlite, _postgres, Description, _password) = (sqlite, postgres, description, password);

    /// <summary>True for the cluster's PostgreSQL, false for a SQLite file.</summary>
    public bool IsPostgres => _postgres is not null;

    /// <summary><c>sqlite &lt;path&gt;</c> or <c>postgresql user@host:port/database</c>; never a password.</summary>
    public string Description { get; }

    /// <summary>Opens (creating when needed) a SQLite file in WAL mode.</summary>
    public static RecordsDatabase OpenSqlite(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = SqliteCommands.Open(path, SqliteOpenMode.ReadWriteCreate);
        connection.Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        return new RecordsDatabase(connection, null, "sqlite " + path);
    }

    /// <summary>Connects to PostgreSQL with an Npgsql connection string (nothing is sent before the first statement).</summary>
    /// <exception cref="RecordStoreException">The string is malformed; the message does not quote it.</exception>
    public static RecordsDatabase OpenPostgres(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            throw new RecordStoreException("the PostgreSQL connection string is malformed (expected Host=...;Database=...;Username=...;Password=...)");
        }

        builder.ApplicationName ??= "twinguard";
        return new RecordsDatabase(null, new NpgsqlDataSourceBuilder(builder.ConnectionString).Build(), PostgresRecordStore.Describe(builder), builder.Password);
    }

    /// <summary>
    /// Creates a store's tables when missing: <paramref name="sqlite"/> or <paramref name="postgres"/> (the same tables
    /// in each dialect). PostgreSQL runs it in one transaction under an advisory lock, as silos start together.
    /// </summary>
    /// <exception cref="RecordStoreException">The server cannot be reached; the message names no password.</exception>
    public void CreateSchema(string sqlite, string postgres)
    {
        if (_sqlite is not null)
        {
            lock (_lock)
            {
                _sqlite.Execute(sqlite);
            }

            return;
        }

        Guard(() =>
        {
            using var connection = _postgres!.OpenConnection();
            using var transaction = connection.BeginTransaction();
            using var cmd = DbCommands.Command(connection, $"SELECT pg_advisory_xact_lock({SchemaLock});\n{postgres}");
            cmd.Transaction = transaction;
            cmd.ExecuteNonQuery();
            transaction.Commit();
            return 0;
        });
    }

    /// <summary>Runs a statement; returns the number of rows it changed.</summary>
    public int Execute(string sql, params (string Name, object? Value)[] parameters) =>
        Use(connection => DbCommands.Execute(connection, sql, parameters));

    /// <summary>Runs a query and maps each row with <paramref name="read"/>, in the order the query returns them.</summary>
    public List<T> Query<T>(string sql, Func<DbDataReader, T> read, params (string Name, object? Value)[] parameters) =>
        Use(connection => DbCommands.Query(connection, sql, read, parameters));

    /// <summary>Runs a statement that returns one integer (an <c>INSERT ... RETURNING id</c>, a count).</summary>
    public long Scalar(string sql, params (string Name, object? Value)[] parameters) =>
        Use(connection => DbCommands.Scalar(connection, sql, parameters) ?? throw new InvalidDataException("the statement returned no value"));

    /// <summary>Runs <paramref name="work"/> on a connection of this database (the one SQLite connection, under its lock).</summary>
    public T Use<T>(Func<DbConnection, T> work)
    {
        if (_sqlite is not null)
        {
            lock (_lock)
            {
                return work(_sqlite);
            }
        }

        return Guard(() =>
        {
            using var connection = _postgres!.OpenConnection();
            return work(connection);
        });
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _sqlite?.Dispose();
        _postgres?.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => Description;

    // A server that cannot be reached is the operator's to fix, and its message may quote what it was given.
    private T Guard<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (Exception ex) when (ex is NpgsqlException { IsTransient: true } or TimeoutException || (ex is NpgsqlException and not PostgresException))
        {
            throw new RecordStoreException($"cannot reach the records store {Description}: {PostgresRecordStore.Redact(ex.Message, _password)}");
        }
    }
}

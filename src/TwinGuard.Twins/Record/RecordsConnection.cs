using Npgsql;

namespace TwinGuard.Twins.Record;

/// <summary>
/// The cluster's records store as the cluster file names it: a PostgreSQL connection string, its password from the
/// string or from a file of its own. Prints as <see cref="Description"/>: the string itself never reaches a log, an
/// answer or the ledger through this type.
/// </summary>
public sealed class RecordsConnection
{
    private readonly string _connectionString;

    private RecordsConnection(string connectionString, string description) => (_connectionString, Description) = (connectionString, description);

    /// <summary><c>postgresql user@host:port/database</c>, never the password.</summary>
    public string Description { get; }

    /// <summary>Checks <paramref name="connectionString"/> and adds <paramref name="password"/> when given.</summary>
    /// <returns>The connection, or null with <paramref name="error"/> saying what is wrong (without quoting the string).</returns>
    public static RecordsConnection? TryCreate(string connectionString, string? password, out string? error)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            error = "expected an Npgsql connection string (Host=...;Database=...;Username=...)";
            return null;
        }

        if (string.IsNullOrEmpty(builder.Host) || string.IsNullOrEmpty(builder.Database))
        {
            error = "the connection string needs Host and Database";
            return null;
        }

        if (password is not null)
        {
            builder.Password = password;
        }

        error = null;
        return new RecordsConnection(builder.ConnectionString, PostgresRecordStore.Describe(builder));
    }

    /// <summary>Opens the store (creating its tables when missing).</summary>
    /// <exception cref="RecordStoreException">It cannot be reached; the message names no password.</exception>
    public PostgresRecordStore Open() => PostgresRecordStore.Open(_connectionString);

    /// <summary>
    /// The same database for the stores beside the records (quarantines and approvals, API keys, the operator journal),
    /// each of which creates its own tables.
    /// </summary>
    public RecordsDatabase OpenDatabase() => RecordsDatabase.OpenPostgres(_connectionString);

    /// <inheritdoc />
    public override string ToString() => Description;
}

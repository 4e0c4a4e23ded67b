using Microsoft.Data.Sqlite;

namespace TwinGuard.Twins.Record;

/// <summary>What every SQLite store of TwinGuard needs: parameterised commands and the conversions of nullable columns.</summary>
/// <remarks>Times are stored as Unix milliseconds (UTC); a missing value is SQL NULL.</remarks>
public static class SqliteCommands
{
    /// <summary>How long a statement waits for another connection's write transaction before it fails.</summary>
    public const int BusyTimeoutMs = 5000;

    /// <summary>
    /// Opens a connection to a TwinGuard database. Several connections write the same file (the record stage, the
    /// respond stage, the CLI), so a statement that meets another's write lock waits for it inside SQLite
    /// (<c>busy_timeout</c>, re-trying within a millisecond or so). Microsoft.Data.Sqlite's own retry sleeps about 150 ms
    /// between attempts: on the record stage's path that was the whole latency tail of a lockdown.
    /// </summary>
    public static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        connection.Execute(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {BusyTimeoutMs}"));
        return connection;
    }

    /// <summary>A command with named parameters (<c>$name</c>); a null value binds SQL NULL.</summary>
    public static SqliteCommand Command(this SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd;
    }

    /// <summary>Runs a statement; returns the number of rows it changed.</summary>
    public static int Execute(this SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = connection.Command(sql, parameters);
        return cmd.ExecuteNonQuery();
    }

    /// <summary>Runs a query and maps each row with <paramref name="read"/>, in the order the query returns them.</summary>
    public static List<T> Query<T>(this SqliteConnection connection, string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var cmd = connection.Command(sql, parameters);
        using var reader = cmd.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>A stored Unix-milliseconds time.</summary>
    public static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>Column <paramref name="i"/> as text, or null.</summary>
    public static string? Text(System.Data.Common.DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    /// <summary>Column <paramref name="i"/> as a time, or null.</summary>
    public static DateTimeOffset? NullableTime(System.Data.Common.DbDataReader reader, int i) => reader.IsDBNull(i) ? null : Time(reader.GetInt64(i));

    /// <summary>Column <paramref name="i"/> as an integer, or null.</summary>
    public static long? NullableLong(System.Data.Common.DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
}

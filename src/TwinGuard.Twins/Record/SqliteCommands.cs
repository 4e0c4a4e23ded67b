using Microsoft.Data.Sqlite;

namespace TwinGuard.Twins.Record;

/// <summary>What every SQLite store of TwinGuard needs: parameterised commands and the conversions of nullable columns.</summary>
/// <remarks>Times are stored as Unix milliseconds (UTC); a missing value is SQL NULL.</remarks>
public static class SqliteCommands
{
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

    /// <summary>A stored Unix-milliseconds time.</summary>
    public static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>Column <paramref name="i"/> as text, or null.</summary>
    public static string? Text(SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    /// <summary>Column <paramref name="i"/> as a time, or null.</summary>
    public static DateTimeOffset? NullableTime(SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : Time(reader.GetInt64(i));

    /// <summary>Column <paramref name="i"/> as an integer, or null.</summary>
    public static long? NullableLong(SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
}

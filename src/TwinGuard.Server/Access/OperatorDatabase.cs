using Microsoft.Data.Sqlite;
using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Access;

/// <summary>The connection settings and small helpers of <c>operator.db</c> (keys, verdicts, notes, maintenance).</summary>
internal static class OperatorDatabase
{
    public static SqliteConnection Open(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var connection = SqliteCommands.Open(Path.Combine(dataDirectory, ApiKeyStore.FileName), SqliteOpenMode.ReadWriteCreate);
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
        return connection;
    }

    public static int Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(connection, sql, parameters);
        return cmd.ExecuteNonQuery();
    }

    public static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd;
    }
}

using Microsoft.Data.Sqlite;
using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Access;

/// <summary>The connection settings of <c>operator.db</c> (keys, verdicts, notes, maintenance); queries use <see cref="SqliteCommands"/>.</summary>
internal static class OperatorDatabase
{
    public static SqliteConnection Open(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var connection = SqliteCommands.Open(Path.Combine(dataDirectory, ApiKeyStore.FileName), SqliteOpenMode.ReadWriteCreate);
        connection.Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
        return connection;
    }
}

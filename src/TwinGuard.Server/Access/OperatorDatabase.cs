using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Access;

/// <summary>
/// Where <c>operator.db</c>'s rows live (keys, verdicts, notes, maintenance): that file in the data directory on a
/// single node, the cluster's PostgreSQL when the cluster file names one.
/// </summary>
internal static class OperatorDatabase
{
    public static RecordsDatabase Open(string dataDirectory) => RecordsDatabase.OpenSqlite(Path.Combine(dataDirectory, ApiKeyStore.FileName));

    /// <summary>The cluster's records database when <paramref name="records"/> names one, else <see cref="Open(string)"/>.</summary>
    public static RecordsDatabase Open(string dataDirectory, RecordsConnection? records) => records?.OpenDatabase() ?? Open(dataDirectory);
}

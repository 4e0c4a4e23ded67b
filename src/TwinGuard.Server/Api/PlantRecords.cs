using Microsoft.Data.Sqlite;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Api;

/// <summary>
/// The API's own read-only connection to the site's findings and incidents (tables of <see cref="PlantStore"/>; the
/// record stage owns the writing connection), with the lookups the API needs: by id, by asset and signal, since a time.
/// </summary>
/// <remarks>WAL lets these reads proceed while the record stage writes; a lock serialises the API's requests on the connection.</remarks>
internal sealed class PlantRecords(HostSettings settings) : IDisposable
{
    private const string FindingColumns =
        "id, time_ms, reason, severity, asset, signal, device, value, score, message, explanation, occurrences, last_ms, incident_id, ledger_entry";

    private const string IncidentColumns =
        "id, opened_ms, updated_ms, scope, asset, device, severity, title, rule, reasons, status, finding_count, ledger_entry";

    private readonly Lock _lock = new();
    private SqliteConnection? _connection;

    /// <summary>Findings, newest first, optionally of one asset, signal or incident, and not older than <paramref name="since"/>.</summary>
    public IReadOnlyList<StoredFinding> Findings(int limit, string? asset = null, string? signal = null, long? incident = null, DateTimeOffset? since = null) =>
        Query(
            $"SELECT {FindingColumns} FROM findings WHERE ($a IS NULL OR asset = $a) AND ($s IS NULL OR signal = $s OR signal IS NULL) "
            + "AND ($i IS NULL OR incident_id = $i) AND ($t IS NULL OR last_ms >= $t) ORDER BY id DESC LIMIT $n",
            ReadFinding,
            ("$a", asset), ("$s", signal), ("$i", incident), ("$t", since?.ToUnixTimeMilliseconds()), ("$n", limit));

    public StoredFinding? Finding(long id) => Query($"SELECT {FindingColumns} FROM findings WHERE id = $id", ReadFinding, ("$id", id)).FirstOrDefault();

    /// <summary>Incidents, newest first, optionally of one asset.</summary>
    public IReadOnlyList<StoredIncident> Incidents(int limit, string? asset = null) =>
        Query($"SELECT {IncidentColumns} FROM incidents WHERE ($a IS NULL OR asset = $a) ORDER BY id DESC LIMIT $n", ReadIncident, ("$a", asset), ("$n", limit));

    public StoredIncident? Incident(long id) => Query($"SELECT {IncidentColumns} FROM incidents WHERE id = $id", ReadIncident, ("$id", id)).FirstOrDefault();

    public void Dispose() => _connection?.Dispose();

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        lock (_lock)
        {
            var path = Path.Combine(settings.DataDirectory, PlantStore.FileName);
            if (_connection is null)
            {
                if (!File.Exists(path))
                {
                    return []; // the record stage has not created the database yet
                }

                _connection = SqliteCommands.Open(path, SqliteOpenMode.ReadOnly);
            }

            using var cmd = _connection.CreateCommand();
            cmd.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            using var reader = cmd.ExecuteReader();
            var list = new List<T>();
            while (reader.Read())
            {
                list.Add(read(reader));
            }

            return list;
        }
    }

    private static StoredFinding ReadFinding(SqliteDataReader r) => new(
        r.GetInt64(0), Time(r.GetInt64(1)), r.GetString(2), r.GetString(3), Text(r, 4), Text(r, 5), Text(r, 6),
        r.IsDBNull(7) ? null : r.GetDouble(7), r.GetDouble(8), r.GetString(9), Text(r, 10), r.GetInt32(11),
        Time(r.GetInt64(12)), r.IsDBNull(13) ? null : r.GetInt64(13), r.IsDBNull(14) ? null : r.GetInt64(14));

    private static StoredIncident ReadIncident(SqliteDataReader r) => new(
        r.GetInt64(0), Time(r.GetInt64(1)), Time(r.GetInt64(2)), r.GetString(3), Text(r, 4), Text(r, 5),
        r.GetString(6), r.GetString(7), r.GetString(8), r.GetString(9).Split(',', StringSplitOptions.RemoveEmptyEntries),
        r.GetString(10), r.GetInt32(11), r.IsDBNull(12) ? null : r.GetInt64(12));

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static string? Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}

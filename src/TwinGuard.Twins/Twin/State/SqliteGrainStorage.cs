using System.Globalization;
using Microsoft.Data.Sqlite;
using Orleans.Storage;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Twin;

/// <summary>
/// Orleans grain storage in a SQLite file of the data directory (<c>twins.db</c>): where a single-node <c>serve</c>
/// keeps its twins' learned state, so that a restart resumes detection without a new warm-up. A cluster uses Redis.
/// </summary>
/// <remarks>
/// One row per grain and state, the state serialised by Orleans' own serializer (<c>[GenerateSerializer]</c> types).
/// Writes are checked against the ETag the grain read (a version number), like every Orleans storage: a second
/// activation writing over the first is refused with <see cref="InconsistentStateException"/>. One connection, one
/// statement at a time: twins write every few seconds each, not per reading.
/// </remarks>
public sealed class SqliteGrainStorage : IGrainStorage, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly IGrainStorageSerializer _serializer;
    private readonly Lock _gate = new();

    /// <summary>Opens (and creates when missing) <paramref name="path"/>.</summary>
    public SqliteGrainStorage(string path, IGrainStorageSerializer serializer)
    {
        _serializer = serializer;
        _connection = SqliteCommands.Open(path, SqliteOpenMode.ReadWriteCreate);
        _connection.Execute("PRAGMA journal_mode = WAL");
        _connection.Execute("PRAGMA synchronous = NORMAL");
        _connection.Execute("""
            CREATE TABLE IF NOT EXISTS grain_state (
                state_name TEXT NOT NULL,
                grain_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (state_name, grain_id))
            """);
    }

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        (long Version, byte[] Data)? row;
        lock (_gate)
        {
            row = _connection.Query(
                "SELECT version, data FROM grain_state WHERE state_name = $s AND grain_id = $g",
                r => ((long Version, byte[] Data)?)(r.GetInt64(0), (byte[])r.GetValue(1)),
                ("$s", stateName), ("$g", grainId.ToString())).FirstOrDefault();
        }

        if (row is { } found)
        {
            grainState.State = _serializer.Deserialize<T>(new BinaryData(found.Data));
            grainState.ETag = found.Version.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var data = _serializer.Serialize(grainState.State).ToArray();
        var expected = grainState.ETag is null ? 0 : long.Parse(grainState.ETag, CultureInfo.InvariantCulture);
        int changed;
        lock (_gate)
        {
            changed = expected == 0
                ? _connection.Execute(
                    "INSERT INTO grain_state (state_name, grain_id, version, data) VALUES ($s, $g, 1, $d) ON CONFLICT DO NOTHING",
                    ("$s", stateName), ("$g", grainId.ToString()), ("$d", data))
                : _connection.Execute(
                    "UPDATE grain_state SET version = version + 1, data = $d WHERE state_name = $s AND grain_id = $g AND version = $v",
                    ("$s", stateName), ("$g", grainId.ToString()), ("$d", data), ("$v", expected));
        }

        if (changed == 0)
        {
            throw new InconsistentStateException(
                $"grain state '{stateName}' of {grainId} was written by another activation since it was read", "(stored)", grainState.ETag ?? "(none)");
        }

        grainState.ETag = (expected + 1).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        lock (_gate)
        {
            _connection.Execute("DELETE FROM grain_state WHERE state_name = $s AND grain_id = $g", ("$s", stateName), ("$g", grainId.ToString()));
        }

        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _connection.Dispose();
        }
    }
}

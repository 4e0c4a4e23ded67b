using System.Globalization;
using System.Threading.Channels;
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
/// activation writing over the first is refused with <see cref="InconsistentStateException"/>. A write is serialised
/// on the caller and queued; one writer commits whatever has queued in one transaction, so thousands of twins
/// snapshotting do not each hold a silo thread on the file (the caller's task completes at the commit).
/// </remarks>
public sealed class SqliteGrainStorage : IGrainStorage, IDisposable
{
    private readonly SqliteConnection _connection;

    /// <summary>Activations read here: in WAL mode a reader does not wait for the writer's transaction (thousands of
    /// twins activating at once each read three states while the writer commits snapshots).</summary>
    private readonly SqliteConnection _reader;
    private readonly IGrainStorageSerializer _serializer;
    private readonly Lock _gate = new();
    private readonly Lock _reading = new();
    private readonly Channel<PendingWrite> _writes = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

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
        _reader = SqliteCommands.Open(path, SqliteOpenMode.ReadOnly);
        _writer = Task.Run(WriteQueuedAsync);
    }

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        (long Version, byte[] Data)? row;
        lock (_reading)
        {
            row = _reader.Query(
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
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var data = _serializer.Serialize(grainState.State).ToArray();
        var expected = grainState.ETag is null ? 0 : long.Parse(grainState.ETag, CultureInfo.InvariantCulture);
        var write = new PendingWrite(stateName, grainId.ToString(), data, expected, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_writes.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(SqliteGrainStorage));
        }

        // Back on the caller's context (the grain's) once committed: the ETag is the grain's to update.
        if (!await write.Done.Task)
        {
            throw new InconsistentStateException(
                $"grain state '{stateName}' of {grainId} was written by another activation since it was read", "(stored)", grainState.ETag ?? "(none)");
        }

        grainState.ETag = (expected + 1).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <summary>Commits what has queued, one transaction per pass; each write's task says whether its version matched.</summary>
    private async Task WriteQueuedAsync()
    {
        var batch = new List<PendingWrite>();
        while (await _writes.Reader.WaitToReadAsync())
        {
            while (batch.Count < 1024 && _writes.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            try
            {
                var written = new bool[batch.Count];
                lock (_gate)
                {
                    using var transaction = _connection.BeginTransaction();
                    for (var i = 0; i < batch.Count; i++)
                    {
                        var w = batch[i];
                        written[i] = (w.Expected == 0
                            ? _connection.Execute(
                                "INSERT INTO grain_state (state_name, grain_id, version, data) VALUES ($s, $g, 1, $d) ON CONFLICT DO NOTHING",
                                ("$s", w.StateName), ("$g", w.GrainId), ("$d", w.Data))
                            : _connection.Execute(
                                "UPDATE grain_state SET version = version + 1, data = $d WHERE state_name = $s AND grain_id = $g AND version = $v",
                                ("$s", w.StateName), ("$g", w.GrainId), ("$d", w.Data), ("$v", w.Expected))) > 0;
                    }

                    transaction.Commit();
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(written[i]);
                }
            }
            catch (Exception ex) when (ex is SqliteException or InvalidOperationException or ObjectDisposedException)
            {
                foreach (var w in batch)
                {
                    w.Done.TrySetException(ex);
                }
            }

            batch.Clear();
        }
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
        // What the twins handed over while stopping (their last snapshots) is committed before the file closes.
        _writes.Writer.TryComplete();
        _writer.GetAwaiter().GetResult();
        lock (_gate)
        {
            _connection.Dispose();
        }

        lock (_reading)
        {
            _reader.Dispose();
        }
    }

    /// <summary>A serialised state waiting for the writer; <see cref="Done"/> is false when its version no longer matched.</summary>
    private sealed record PendingWrite(string StateName, string GrainId, byte[] Data, long Expected, TaskCompletionSource<bool> Done);
}

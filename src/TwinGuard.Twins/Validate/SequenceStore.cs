using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Validate;

/// <summary>
/// The last boot and sequence number accepted from each device for each asset, kept in <c>sequences.db</c> in the
/// data directory, so that replay protection survives a restart: a message refused as a replay before a restart is
/// refused after it too.
/// </summary>
/// <remarks>
/// Only what replay protection needs (the learned models' persistence is the cluster's grain storage). Twins note each
/// accepted message in memory; <see cref="Flush"/> writes the changes in one transaction, every second while serving
/// and on disposal, so a crash forgets at most the last second's numbers. Its size is bounded by the plant model: one
/// row per device and asset it may publish for.
/// </remarks>
public sealed class SequenceStore : IDisposable
{
    /// <summary>The database file's name inside the data directory.</summary>
    public const string FileName = "sequences.db";

    private readonly SqliteConnection _connection;
    // One entry per device and asset, updated in place: a twin notes every message it accepts, and replacing a
    // (boot, sequence) value in a ConcurrentDictionary allocates a node and takes a bucket lock each time.
    // By asset, then device: an activating twin reads its own assets' entries, not every twin's (thousands of twins
    // activating at once each scanned all the others').
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Noted>> _noted = new(StringComparer.Ordinal);
    private readonly Lock _writing = new();
    private ITimer? _timer;
    private long _flushFailures;

    private SequenceStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Flushes that failed (disk full, I/O error); the changes stay in memory for the next one.</summary>
    public long FlushFailures => Interlocked.Read(ref _flushFailures);

    /// <summary>Raised when a flush fails, with the error.</summary>
    public event Action<Exception>? FlushFailed;

    /// <summary>Opens (creating when needed) the store in <paramref name="dataDirectory"/>.</summary>
    public static SequenceStore Open(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var connection = SqliteCommands.Open(Path.Combine(dataDirectory, FileName), SqliteOpenMode.ReadWriteCreate);
        connection.Execute("""
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS last_sequence (
                asset TEXT NOT NULL, device TEXT NOT NULL, boot INTEGER NOT NULL, seq INTEGER NOT NULL,
                PRIMARY KEY (asset, device)) WITHOUT ROWID;
            """);
        return new SequenceStore(connection);
    }

    /// <summary>The last numbers of every device that published for <paramref name="assetId"/>, changes included.</summary>
    public Dictionary<string, (long Boot, long Sequence)> Load(string assetId)
    {
        List<(string Device, long Boot, long Sequence)> rows;
        lock (_writing)
        {
            rows = _connection.Query("SELECT device, boot, seq FROM last_sequence WHERE asset = $asset",
                r => (r.GetString(0), r.GetInt64(1), r.GetInt64(2)), ("$asset", assetId));
        }

        var last = rows.ToDictionary(r => r.Device, r => (r.Boot, r.Sequence), StringComparer.Ordinal);
        if (_noted.TryGetValue(assetId, out var devices))
        {
            foreach (var (device, noted) in devices)
            {
                last[device] = noted.Read(clearDirty: false).Numbers;
            }
        }

        return last;
    }

    /// <summary>Notes the numbers of a message the twin accepted (memory only; see <see cref="Flush"/>).</summary>
    public void Note(string assetId, string deviceId, long boot, long sequence) =>
        _noted.GetOrAdd(assetId, static _ => new ConcurrentDictionary<string, Noted>(StringComparer.Ordinal))
            .GetOrAdd(deviceId, static _ => new Noted()).Set(boot, sequence);

    /// <summary>Writes the noted changes in one transaction; returns how many rows it wrote.</summary>
    public int Flush()
    {
        lock (_writing)
        {
            var changes = new List<((string Asset, string Device) Key, (long Boot, long Sequence) Numbers, Noted Noted)>();
            foreach (var (asset, devices) in _noted)
            {
                foreach (var (device, noted) in devices)
                {
                    if (noted.Read(clearDirty: true) is { Dirty: true, Numbers: var numbers })
                    {
                        changes.Add(((asset, device), numbers, noted));
                    }
                }
            }

            if (changes.Count == 0)
            {
                return 0;
            }

            try
            {
                using var transaction = _connection.BeginTransaction();
                foreach (var ((asset, device), (boot, sequence), _) in changes)
                {
                    _connection.Execute(
                        "INSERT INTO last_sequence (asset, device, boot, seq) VALUES ($a, $d, $b, $s) ON CONFLICT (asset, device) DO UPDATE SET boot = $b, seq = $s",
                        ("$a", asset), ("$d", device), ("$b", boot), ("$s", sequence));
                }

                transaction.Commit();
            }
            catch (Exception ex) when (ex is SqliteException or IOException)
            {
                foreach (var change in changes)
                {
                    change.Noted.MarkDirty(); // kept for the next flush
                }

                Interlocked.Increment(ref _flushFailures);
                FlushFailed?.Invoke(ex);
                return 0;
            }

            // A number noted after the snapshot marked its entry again: it goes with the next flush.
            return changes.Count;
        }
    }

    /// <summary>Flushes every <paramref name="period"/> on <paramref name="time"/> until disposed.</summary>
    public void FlushEvery(TimeProvider time, TimeSpan period) =>
        _timer ??= time.CreateTimer(static state => ((SequenceStore)state!).Flush(), this, period, period);

    /// <summary>Stops the periodic flush, writes the last changes and closes the database.</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        Flush();
        _connection.Dispose();
    }

    /// <summary>The last numbers noted for one device and asset, and whether they are newer than the database's.</summary>
    private sealed class Noted
    {
        private readonly Lock _lock = new();
        private long _boot;
        private long _sequence;
        private bool _dirty;

        public void Set(long boot, long sequence)
        {
            lock (_lock)
            {
                (_boot, _sequence, _dirty) = (boot, sequence, true);
            }
        }

        public void MarkDirty()
        {
            lock (_lock)
            {
                _dirty = true;
            }
        }

        public ((long Boot, long Sequence) Numbers, bool Dirty) Read(bool clearDirty)
        {
            lock (_lock)
            {
                var dirty = _dirty;
                _dirty &= !clearDirty;
                return ((_boot, _sequence), dirty);
            }
        }
    }
}

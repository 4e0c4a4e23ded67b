using System.Collections.Concurrent;

namespace TwinGuard.Twins.Validate;

/// <summary>
/// The last boot and sequence number accepted from each device for each asset, written through to an
/// <see cref="ISequenceTable"/> (<c>sequences.db</c> on a single node, the cluster's Redis in a cluster), so that
/// replay protection survives a restart and a failover: a message accepted before either is refused after it.
/// </summary>
/// <remarks>
/// <para>Only what replay protection needs (the learned models' persistence is the grain storage's, written far less
/// often). Twins note each accepted message in memory (<see cref="Note"/>); the changes are written as a group: a
/// sender waiting for an acknowledgement asks <see cref="WhenDurableAsync"/>, which completes once a write that began
/// after the call is done, so one write covers every twin's notes that arrived meanwhile. The dispatcher acknowledges a
/// QoS 1 reading only once that write and the ledger's are done: a reading acknowledged before a crash has its numbers
/// kept. Notes nobody waits for (QoS 0) are written by the periodic <see cref="Flush"/> (<see cref="FlushEvery"/>).</para>
/// <para>Its size is bounded by the plant model: one entry per device and asset it may publish for.</para>
/// </remarks>
public sealed class SequenceStore : IDisposable
{
    /// <summary>How often a serving host writes the notes no sender waits for (QoS 0 readings): what a crash may forget of them.</summary>
    public static readonly TimeSpan FlushPeriod = TimeSpan.FromMilliseconds(100);

    /// <summary>The single node's database file's name inside the data directory.</summary>
    public const string FileName = SqliteSequenceTable.FileName;

    private readonly ISequenceTable _table;
    // One entry per device and asset, updated in place: a twin notes every message it accepts, and replacing a
    // (boot, sequence) value in a ConcurrentDictionary allocates a node and takes a bucket lock each time.
    // By asset, then device: an activating twin reads its own assets' entries, not every twin's.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Noted>> _noted = new(StringComparer.Ordinal);

    /// <summary>Entries noted since the last write, each once (queued when it turns dirty): a write visits only those.</summary>
    private readonly ConcurrentQueue<(string Asset, string Device, Noted Noted)> _dirty = new();

    /// <summary>Held across a write, from taking the dirty entries to the table's answer: a write that finds nothing to
    /// take still waits for one in flight, so its waiters are not told "kept" before the numbers are.</summary>
    private readonly Lock _writing = new();
    private readonly Lock _waiting = new();
    private TaskCompletionSource _nextWrite = new();
    private bool _writeRequested;
    private int _writingForWaiters;
    private ITimer? _timer;
    private long _flushFailures;

    /// <summary>A store writing through to <paramref name="table"/> (which it disposes).</summary>
    public SequenceStore(ISequenceTable table) => _table = table;

    /// <summary>Flushes that failed (disk full, I/O error, the cluster's store unreachable); the changes stay for the next one.</summary>
    public long FlushFailures => Interlocked.Read(ref _flushFailures);

    /// <summary>Where the numbers are kept.</summary>
    public string TableName => _table.Name;

    /// <summary>Raised when a flush fails, with the error.</summary>
    public event Action<Exception>? FlushFailed;

    /// <summary>Opens (creating when needed) a single node's store in <paramref name="dataDirectory"/>.</summary>
    public static SequenceStore Open(string dataDirectory) => new(SqliteSequenceTable.Open(dataDirectory));

    /// <summary>The last numbers of every device that published for <paramref name="assetId"/>: the table's, and what this process noted.</summary>
    public Dictionary<string, (long Boot, long Sequence)> Load(string assetId)
    {
        var last = _table.Read(assetId);
        if (_noted.TryGetValue(assetId, out var devices))
        {
            foreach (var (device, noted) in devices)
            {
                var (boot, sequence) = noted.Numbers;
                if (!last.TryGetValue(device, out var held) || SequenceChange.IsLater(boot, sequence, held.Boot, held.Sequence))
                {
                    last[device] = (boot, sequence);
                }
            }
        }

        return last;
    }

    /// <summary>Notes the numbers of a message the twin accepted (memory only; see <see cref="WhenDurableAsync"/> and <see cref="Flush"/>).</summary>
    public void Note(string assetId, string deviceId, long boot, long sequence)
    {
        var noted = _noted.GetOrAdd(assetId, static _ => new ConcurrentDictionary<string, Noted>(StringComparer.Ordinal))
            .GetOrAdd(deviceId, static _ => new Noted());
        if (noted.Set(boot, sequence))
        {
            _dirty.Enqueue((assetId, deviceId, noted));
        }
    }

    /// <summary>
    /// Completes once every number noted before the call is kept in the table (it fails when the write fails). Calls
    /// made while a write is in flight share the next write (group commit).
    /// </summary>
    public Task WhenDurableAsync()
    {
        Task written;
        lock (_waiting)
        {
            written = _nextWrite.Task;
            _writeRequested = true;
        }

        if (Interlocked.CompareExchange(ref _writingForWaiters, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static store => store.WriteForWaiters(), this, preferLocal: false);
        }

        return written;
    }

    /// <summary>Writes for the waiters until none is left; one write per round, covering every waiter that asked before it.</summary>
    private void WriteForWaiters()
    {
        while (true)
        {
            TaskCompletionSource round;
            lock (_waiting)
            {
                (round, _nextWrite, _writeRequested) = (_nextWrite, new TaskCompletionSource(), false);
            }

            var failure = TryFlush(out _);
            if (failure is null)
            {
                round.TrySetResult();
            }
            else
            {
                round.TrySetException(failure);
            }

            Volatile.Write(ref _writingForWaiters, 0);
            bool again;
            lock (_waiting)
            {
                again = _writeRequested;
            }

            if (!again || Interlocked.CompareExchange(ref _writingForWaiters, 1, 0) != 0)
            {
                return; // nobody asked since, or the one who did started the next round
            }
        }
    }

    /// <summary>Writes the noted changes in one write; returns how many entries it wrote (0 when it failed: see <see cref="FlushFailures"/>).</summary>
    public int Flush() => TryFlush(out var written) is null ? written : 0;

    private Exception? TryFlush(out int written)
    {
        written = 0;
        lock (_writing)
        {
            var taken = new List<(string Asset, string Device, Noted Noted)>();
            var changes = new List<SequenceChange>();
            while (_dirty.TryDequeue(out var entry))
            {
                if (entry.Noted.TakeDirty(out var numbers))
                {
                    taken.Add(entry);
                    changes.Add(new SequenceChange(entry.Asset, entry.Device, numbers.Boot, numbers.Sequence));
                }
            }

            if (changes.Count == 0)
            {
                return null;
            }

            try
            {
                _table.Write(changes);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                foreach (var entry in taken)
                {
                    if (entry.Noted.MarkDirty())
                    {
                        _dirty.Enqueue(entry); // kept for the next flush
                    }
                }

                Interlocked.Increment(ref _flushFailures);
                FlushFailed?.Invoke(ex);
                return ex;
            }

            // A number noted after its entry was taken queued it again: it goes with the next write.
            written = changes.Count;
            return null;
        }
    }

    /// <summary>Flushes every <paramref name="period"/> on <paramref name="time"/> until disposed (the notes no sender waits for).</summary>
    public void FlushEvery(TimeProvider time, TimeSpan period) =>
        _timer ??= time.CreateTimer(static state => ((SequenceStore)state!).Flush(), this, period, period);

    /// <summary>Stops the periodic flush, writes the last changes and closes the table.</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        Flush();
        _table.Dispose();
    }

    /// <summary>The last numbers noted for one device and asset, and whether they are newer than the table's.</summary>
    private sealed class Noted
    {
        private readonly Lock _lock = new();
        private long _boot;
        private long _sequence;
        private bool _set;
        private bool _dirty;

        public (long Boot, long Sequence) Numbers
        {
            get
            {
                lock (_lock)
                {
                    return (_boot, _sequence);
                }
            }
        }

        /// <summary>Keeps the later numbers; true when the entry turned dirty (it is to be queued for the next write).</summary>
        public bool Set(long boot, long sequence)
        {
            lock (_lock)
            {
                if (_set && !SequenceChange.IsLater(boot, sequence, _boot, _sequence))
                {
                    return false;
                }

                (_boot, _sequence, _set) = (boot, sequence, true);
                return MarkDirtyLocked();
            }
        }

        /// <summary>True when the entry turned dirty.</summary>
        public bool MarkDirty()
        {
            lock (_lock)
            {
                return MarkDirtyLocked();
            }
        }

        public bool TakeDirty(out (long Boot, long Sequence) numbers)
        {
            lock (_lock)
            {
                numbers = (_boot, _sequence);
                var dirty = _dirty;
                _dirty = false;
                return dirty;
            }
        }

        private bool MarkDirtyLocked()
        {
            var was = _dirty;
            _dirty = true;
            return !was;
        }
    }
}

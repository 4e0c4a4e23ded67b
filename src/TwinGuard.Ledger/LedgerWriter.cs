using System.Buffers;
using Microsoft.Win32.SafeHandles;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Merkle;
using TwinGuard.Ledger.Storage;
using TwinGuard.Ledger.Writing;

namespace TwinGuard.Ledger;

/// <summary>
/// Appends entries to the ledger in a directory: entries are batched in memory, hashed into the Merkle tree and
/// written (one write, optionally one fsync, per batch) by a background flusher, which also signs checkpoints.
/// </summary>
/// <remarks>
/// <see cref="Append"/> is thread-safe, returns the entry's index at once and never waits for the disk, except that
/// it blocks while more than <see cref="LedgerOptions.MaxPendingBytes"/> wait to be written (bounded memory).
/// Await <see cref="FlushAsync"/> when an entry must be durable before acting on it. A writer owns its directory:
/// open one per directory per process. <see cref="DisposeAsync"/> flushes and signs a final checkpoint.
/// </remarks>
public sealed partial class LedgerWriter : IAsyncDisposable, ILedgerAppender
{
    private readonly string _directory;
    private readonly LedgerOptions _options;
    private readonly TimeProvider _time;
    private readonly ICheckpointSigner _key;
    private readonly CompactRange _tree;
    private readonly Lock _gate = new();
    private readonly Queue<LedgerBatch> _sealed = new();
    private readonly Stack<LedgerBatch> _free = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _urgent = new(0);
    private readonly ManualResetEventSlim _room = new(true);
    private readonly List<(long Target, TaskCompletionSource Done)> _flushWaiters = [];
    private readonly List<(long Target, TaskCompletionSource<Checkpoint> Done)> _checkpointWaiters = [];
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<TornTail> _tornTails = [];
    private readonly BatchHasher _hasher = new();
    private LedgerBatch _current;
    private long _next;
    private long _durable;
    private long _pendingBytes;
    private bool _wakeRequested;
    private bool _closing;
    private bool _disposed;
    private volatile bool _checkpointDue;
    private Exception? _fault;
    private ITimer? _timer;
    private Thread? _hashThread;
    private Thread? _writeThread;
    private readonly System.Collections.Concurrent.ConcurrentQueue<LedgerBatch> _hashed = new();
    private readonly SemaphoreSlim _hashedReady = new(0);
    private readonly CancellationTokenSource _failed = new();
    private readonly byte[] _durableRoot;
    private readonly byte[] _durableStack = new byte[64 * MerkleHash.Size];
    private int _durableStackLength;
    private long _segmentFirst;
    private SafeFileHandle _segment;
    private long _segmentLength;
    private SafeFileHandle _checkpointFile;
    private long _checkpointFileLength;
    private Checkpoint? _lastCheckpoint;
    private SafeFileHandle? _writerLock;

    private LedgerWriter(string directory, LedgerOptions options, TimeProvider time, ICheckpointSigner key,
        CompactRange tree, SafeFileHandle segment, long segmentFirst, long segmentLength, SafeFileHandle checkpointFile,
        long checkpointFileLength, Checkpoint? lastCheckpoint)
    {
        _directory = directory;
        _options = options;
        _time = time;
        _key = key;
        _tree = tree;
        _segment = segment;
        _segmentLength = segmentLength;
        _segmentFirst = segmentFirst;
        _checkpointFile = checkpointFile;
        _checkpointFileLength = checkpointFileLength;
        _lastCheckpoint = lastCheckpoint;
        _next = tree.Size;
        _durable = tree.Size;
        _durableRoot = tree.Root();
        tree.Stack.CopyTo(_durableStack);
        _durableStackLength = tree.Stack.Length;
        _current = new LedgerBatch(ArrayPool<byte>.Shared.Rent(options.MaxBatchBytes));
    }

    /// <summary>The ledger directory.</summary>
    public string Directory => _directory;

    /// <summary>Entries appended so far, including those not yet written; the next entry gets this index.</summary>
    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _next;
            }
        }
    }

    /// <summary>Entries written (and fsync'ed when <see cref="LedgerOptions.FsyncEachBatch"/>) so far.</summary>
    public long DurableCount => Volatile.Read(ref _durable);

    /// <summary>The newest signed checkpoint, or null before the first.</summary>
    public Checkpoint? LatestCheckpoint => Volatile.Read(ref _lastCheckpoint);

    /// <summary>The key that checks this ledger's checkpoints.</summary>
    public LedgerPublicKey PublicKey => _key.PublicKey;

    /// <summary>What <see cref="Open"/> found worth telling a person: a signing key inside the ledger directory, a key moved or pinned.</summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    /// <summary>
    /// Raised on the ledger's writing thread after each checkpoint is durable (e.g. to send it to witnesses).
    /// Handlers must return at once: they delay the next batch.
    /// </summary>
    public event Action<Checkpoint>? CheckpointSigned;

    /// <summary>As <see cref="CheckpointSigned"/>, with the tree's right edge and where the next entry goes (for fast proofs).</summary>
    internal event Action<Checkpoint, TreeState>? CheckpointStateSigned;

    /// <summary>Starts keeping large subtree roots as they are hashed, for cheap consistency proofs (witnessing).</summary>
    internal SubtreeCache CaptureSubtrees()
    {
        var cache = _tree.Capture ?? new SubtreeCache();
        _tree.Capture = cache;
        return cache;
    }

    /// <summary>True when <see cref="Open"/> resumed from <c>tree-state.tgs</c> instead of re-hashing the whole log.</summary>
    internal bool ResumedFromTreeState { get; private set; }

    /// <summary>Tails that <see cref="Open"/> found incomplete, set aside and recorded (usually none).</summary>
    public IReadOnlyList<TornTail> RecoveredTornTails => _tornTails;

    /// <summary>
    /// Appends one entry and returns its index. Thread-safe; the payload is copied before returning.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The kind is 0 or the payload exceeds <see cref="LedgerOptions.MaxPayloadBytes"/>.</exception>
    /// <exception cref="IOException">The background flusher failed earlier (disk full, I/O error); nothing more is accepted.</exception>
    public long Append(LedgerEntryKind kind, ReadOnlySpan<byte> payload) => AppendEntry(kind, payload, wakeHasher: true);

    /// <param name="kind">The entry's kind.</param>
    /// <param name="payload">The entry's payload, copied before returning.</param>
    /// <param name="wakeHasher">
    /// Wake the hashing thread; false when the caller commits the entry at once (<see cref="AppendAndCommitAsync"/>),
    /// whose committer hashes it: waking the hashing thread too would only have it find the batch taken.
    /// </param>
    private long AppendEntry(LedgerEntryKind kind, ReadOnlySpan<byte> payload, bool wakeHasher)
    {
        if (kind == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(kind), "entry kind 0 is invalid");
        }

        if (payload.Length > _options.MaxPayloadBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(payload),
                $"payload of {payload.Length} bytes exceeds the limit of {_options.MaxPayloadBytes}");
        }

        var recordLength = RecordFormat.RecordLength(payload.Length);
        var timestamp = RecordFormat.MicrosSinceEpoch(_time.GetUtcNow());
        long index;
        bool wake;
        lock (_gate)
        {
            ThrowIfUnusable();
            ThrowIfStalledAndFull();
            var batch = _current;
            if (batch.Buffer.Length - batch.Length < recordLength)
            {
                if (batch.Count > 0)
                {
                    SealCurrent();
                    batch = _current;
                }

                if (batch.Buffer.Length < recordLength)
                {
                    ArrayPool<byte>.Shared.Return(batch.Buffer);
                    batch.Buffer = ArrayPool<byte>.Shared.Rent(recordLength);
                }
            }

            index = _next++;
            if (batch.Count == 0)
            {
                batch.FirstIndex = index;
            }

            RecordFormat.WriteUnhashed(batch.Buffer.AsSpan(batch.Length, recordLength), kind, index, timestamp, payload);
            batch.Length += recordLength;
            batch.Count++;
            wake = wakeHasher && !_wakeRequested;
            _wakeRequested |= wakeHasher;
        }

        if (wake)
        {
            _wake.Release();
        }

        if (Volatile.Read(ref _pendingBytes) > _options.MaxPendingBytes)
        {
            WaitForRoom();
        }

        return index;
    }

    /// <summary>Completes when every entry appended before the call is durable.</summary>
    /// <exception cref="IOException">The flusher failed.</exception>
    public Task FlushAsync(CancellationToken cancellationToken = default) => WaitForDurable(null).WaitAsync(cancellationToken);

    /// <summary>Flushes and signs a checkpoint covering at least every entry appended before the call.</summary>
    /// <exception cref="IOException">The flusher failed, or signing stopped (<see cref="SigningStopped"/>).</exception>
    public Task<Checkpoint> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<Checkpoint> done;
        lock (_gate)
        {
            ThrowIfUnusable();
            if (_signingStopped is { } reason)
            {
                return Task.FromException<Checkpoint>(new IOException($"ledger {_directory}: {reason}"));
            }

            done = new TaskCompletionSource<Checkpoint>(TaskCreationOptions.RunContinuationsAsynchronously);
            _checkpointWaiters.Add((_next, done));
            _wakeRequested = true;
        }

        _wake.Release();
        _urgent.Release();
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes everything appended, signs a final checkpoint and closes the files.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _closing = true;
        }

        _wake.Release();
        _urgent.Release();
        if (_writeThread is not null)
        {
            await _stopped.Task.ConfigureAwait(false);
            _hashThread!.Join(); // ends promptly once the writing thread is done or has failed
        }

        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        _segment.Dispose();
        _checkpointFile.Dispose();
        _writerLock?.Dispose();
        _key.Dispose();
        _wake.Dispose();
        _urgent.Dispose();
        _room.Dispose();
        _hashedReady.Dispose();
        _failed.Dispose();
        ArrayPool<byte>.Shared.Return(_current.Buffer);
        foreach (var batch in _free)
        {
            ArrayPool<byte>.Shared.Return(batch.Buffer);
        }

        _free.Clear();
        if (_fault is not null)
        {
            throw new IOException($"ledger writer for {_directory} failed: {_fault.Message}", _fault);
        }
    }

    private void ThrowIfUnusable()
    {
        if (_fault is not null)
        {
            throw new IOException($"ledger writer for {_directory} failed: {_fault.Message}", _fault);
        }

        ObjectDisposedException.ThrowIf(_closing, this);
    }

    /// <summary>Moves the current batch to the write queue; caller holds <see cref="_gate"/>.</summary>
    private void SealCurrent()
    {
        _sealed.Enqueue(_current);
        Interlocked.Add(ref _pendingBytes, _current.Length);
        _urgent.Release();
        _current = _free.Count > 0 ? _free.Pop() : new LedgerBatch(ArrayPool<byte>.Shared.Rent(_options.MaxBatchBytes));
    }

    private void WaitForRoom()
    {
        while (Volatile.Read(ref _pendingBytes) > _options.MaxPendingBytes && _fault is null && _writeError is null)
        {
            _room.Reset();
            if (Volatile.Read(ref _pendingBytes) > _options.MaxPendingBytes && _fault is null && _writeError is null)
            {
                _room.Wait();
            }
        }
    }
}

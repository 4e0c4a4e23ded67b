namespace TwinGuard.Ledger;

/// <summary>
/// Durability for callers that acknowledge what they appended (the broker's PUBACK), and riding out a disk that cannot
/// be written (full, read-only, I/O error) without losing what is already in memory.
/// </summary>
/// <remarks>
/// A failed write no longer ends the writer: the writing thread keeps the batch, reports the error through
/// <see cref="WriteError"/>, fails every waiter in <see cref="WhenDurableAsync"/> (nothing is acknowledged while the
/// disk refuses) and retries every <see cref="RetryDelay"/>. Appends go on into memory until
/// <see cref="LedgerOptions.MaxPendingBytes"/>; past it they are refused with an <see cref="IOException"/> instead of
/// blocking the caller. When a retry succeeds the writer signs a checkpoint, so the recovered entries are covered at once.
/// </remarks>
public sealed partial class LedgerWriter
{
    /// <summary>How long the writing thread waits between attempts while the disk refuses writes.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    private volatile string? _writeError;
    private long _writeFailures;

    /// <summary>Raised (on the writing thread) when writing starts failing (with the error) and when it recovers (null).</summary>
    public event Action<string?>? WritableChanged;

    /// <summary>Why the last write failed, while the writer cannot write; null when it writes normally.</summary>
    public string? WriteError => _writeError;

    /// <summary>Writes that failed (each retry counts), since the writer opened.</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    /// <summary>
    /// Completes when the entry <paramref name="index"/> (and so every entry before it) is durable; faults with an
    /// <see cref="IOException"/> when the disk refuses writes before that.
    /// </summary>
    public Task WhenDurableAsync(long index) => WaitForDurable(index + 1);

    /// <summary>Completes once <paramref name="target"/> entries (every entry appended so far when null) are durable.</summary>
    /// <param name="target">Entries that must be durable; null for every entry appended so far.</param>
    /// <param name="commit">
    /// Wake the writing thread, which hashes and commits the entries itself, instead of the hashing thread; and run the
    /// continuations on the writing thread instead of the thread pool (for callers whose continuations are short,
    /// <see cref="CommitAsync"/>).
    /// </param>
    private Task WaitForDurable(long? target, bool commit = false)
    {
        if (target is { } known && Volatile.Read(ref _durable) >= known)
        {
            return Task.CompletedTask;
        }

        TaskCompletionSource done;
        lock (_gate)
        {
            ThrowIfUnusable();
            var size = target ?? _next;
            if (Volatile.Read(ref _durable) >= size)
            {
                return Task.CompletedTask;
            }

            if (_writeError is { } error)
            {
                return Task.FromException(new IOException($"ledger {_directory} cannot write: {error}"));
            }

            done = new TaskCompletionSource(commit ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
            _flushWaiters.Add((size, done));
            _wakeRequested |= !commit;
        }

        if (commit)
        {
            _hashedReady.Release();
        }
        else
        {
            _wake.Release();
            _urgent.Release();
        }

        return done.Task;
    }

    /// <summary>Refuses an append that would grow memory past the bound while the disk cannot take it; caller holds <see cref="_gate"/>.</summary>
    private void ThrowIfStalledAndFull()
    {
        if (_writeError is { } error && Volatile.Read(ref _pendingBytes) + _current.Length > _options.MaxPendingBytes)
        {
            throw new IOException($"ledger {_directory} cannot write ({error}) and {_options.MaxPendingBytes} bytes already wait in memory");
        }
    }

    /// <summary>Runs a disk operation of the writing thread until it succeeds, or until the writer closes.</summary>
    private void UntilWritten(Action write)
    {
        while (true)
        {
            try
            {
                write();
                if (_writeError is not null)
                {
                    _writeError = null;
                    _checkpointDue = true; // cover what was held back as soon as it is on disk
                    WritableChanged?.Invoke(null);
                }

                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Interlocked.Increment(ref _writeFailures);
                bool closing;
                lock (_gate)
                {
                    closing = _closing;
                }

                if (closing)
                {
                    throw; // nobody is left to wait for the disk; the close reports the fault
                }

                var first = _writeError is null;
                _writeError = ex.Message;
                FailWaiters(new IOException($"ledger {_directory} cannot write: {ex.Message}", ex));
                _room.Set(); // appenders blocked on room get their refusal instead of waiting
                if (first)
                {
                    WritableChanged?.Invoke(ex.Message);
                }

                Thread.Sleep(RetryDelay); // the writing thread's own wait: nothing else can be written meanwhile
            }
        }
    }

    private void FailWaiters(IOException error)
    {
        lock (_gate)
        {
            foreach (var (_, done) in _flushWaiters)
            {
                done.TrySetException(error);
            }

            _flushWaiters.Clear();

            // A checkpoint asked for now cannot be signed over entries that are not on disk, nor when the signer
            // refused: its caller hears why instead of waiting for a recovery that may never come.
            foreach (var (_, done) in _checkpointWaiters)
            {
                done.TrySetException(error);
            }

            _checkpointWaiters.Clear();
        }
    }
}

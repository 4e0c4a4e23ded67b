namespace TwinGuard.Ledger;

/// <summary>How a <see cref="LedgerWriter"/> batches, flushes, rolls segments and signs checkpoints.</summary>
public sealed record LedgerOptions
{
    /// <summary>Force each batch to stable storage (fsync) before counting it durable.</summary>
    /// <value>Default true. False leaves it to the operating system (survives a process crash, not power loss).</value>
    public bool FsyncEachBatch { get; init; } = true;

    /// <summary>Largest batch in bytes; a batch is also cut whenever the flusher is free (group commit).</summary>
    /// <value>Default 1 MiB.</value>
    public int MaxBatchBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// How long the flusher lets entries gather into a batch before taking it, unless the batch fills up or someone
    /// waits in <see cref="LedgerWriter.FlushAsync"/> or <see cref="LedgerWriter.CheckpointAsync"/>.
    /// </summary>
    /// <value>Default 1 ms: the latency an entry may wait before it is written.</value>
    /// <remarks>Measured on the machine's clock, not the <see cref="TimeProvider"/>: it bounds latency, it stamps nothing.</remarks>
    public TimeSpan MaxBatchDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Appends block once this many bytes wait to be written, so memory stays bounded under any rate.</summary>
    /// <value>
    /// Default 8 MiB: enough to ride out a slow fsync, small enough that batches stay in cache between the appending,
    /// hashing and writing threads (64 MiB cost ~20 % more CPU per entry in <c>twinguard bench ledger</c>).
    /// </value>
    public long MaxPendingBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>A new segment file is started once the current one reaches this size.</summary>
    /// <value>Default 64 MiB.</value>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Sign a checkpoint after this many new entries.</summary>
    /// <value>Default 1,048,576.</value>
    public long CheckpointEveryEntries { get; init; } = 1 << 20;

    /// <summary>Sign a checkpoint at least this often while there are unsigned entries.</summary>
    /// <value>
    /// Default 10 seconds (152 bytes per checkpoint: under 0.5 GB a year when entries never stop).
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns the timer off.
    /// </value>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest payload accepted by <see cref="LedgerWriter.Append"/>.</summary>
    /// <value>Default 16 MiB.</value>
    public int MaxPayloadBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Where the signing key lives and where it is pinned.</summary>
    /// <value>Default: the key in the ledger directory, no pin (as before; <see cref="LedgerWriter.Warnings"/> says so).</value>
    public Checkpoints.LedgerKeyOptions Key { get; init; } = new();

    /// <summary>The defaults.</summary>
    public static LedgerOptions Default { get; } = new();

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchBytes, 4096, nameof(MaxBatchBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingBytes, MaxBatchBytes, nameof(MaxPendingBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchDelay, TimeSpan.Zero, nameof(MaxBatchDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(SegmentBytes, 4096, nameof(SegmentBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointEveryEntries, 1, nameof(CheckpointEveryEntries));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPayloadBytes, nameof(MaxPayloadBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxPayloadBytes, Storage.RecordFormat.MaxPayloadLength, nameof(MaxPayloadBytes));
        if (CheckpointInterval != Timeout.InfiniteTimeSpan && CheckpointInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckpointInterval), "must be positive or infinite");
        }
    }
}

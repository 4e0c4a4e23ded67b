using TwinGuard.Ledger.Writing;

namespace TwinGuard.Ledger;

/// <summary>
/// Group commit for callers that acknowledge what they appended (the broker's PUBACK): the writing thread is the
/// committer. It hashes, writes and syncs everything pending in one pass, completes the waits that sync covered on its
/// own thread (so the acknowledgements leave from there), and takes whatever was appended meanwhile as the next group.
/// </summary>
/// <remarks>
/// <para>The caller does not do the disk work itself. A broker connection's receive loop that waited for its own sync
/// read nothing while it waited, so a client with 20 publishes in flight got one sync per publish (1.9-3.2 per sync,
/// measured); now that loop goes on reading while the writing thread syncs, and what it appends meanwhile shares the
/// next sync.</para>
/// <para>One thread hand-off per group, none per entry: <see cref="AppendAndCommitAsync"/> appends without waking the
/// hashing thread (the committer hashes the entry) and wakes the writing thread only, and a writing thread that is
/// still busy with the previous group needs no wake at all. The tree is only hashed under <see cref="_hashLock"/>, so
/// the hashing thread (appends nobody waits for) and the committer take turns, in index order.</para>
/// </remarks>
public sealed partial class LedgerWriter
{
    private readonly Lock _hashLock = new();

    /// <summary>
    /// Appends one entry and completes when it (and every entry before it) is durable: written and synced by the
    /// writing thread, which runs the returned task's continuations on its own thread, so they must be short (such as
    /// sending an acknowledgement). Faults with an <see cref="IOException"/> when the disk refuses writes.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="Append"/>.</exception>
    /// <exception cref="IOException">As <see cref="Append"/>: the writer failed, or memory is full while the disk refuses writes.</exception>
    public Task AppendAndCommitAsync(LedgerEntryKind kind, ReadOnlySpan<byte> payload) =>
        CommitAsync(AppendEntry(kind, payload, wakeHasher: false));

    /// <summary>
    /// Completes when the entry <paramref name="index"/> (and every entry before it) is durable, as
    /// <see cref="AppendAndCommitAsync"/>: the writing thread commits it at once, with whatever else is pending.
    /// </summary>
    public Task CommitAsync(long index) => WaitForDurable(index + 1, commit: true);

    /// <summary>Hashes every batch appended so far into the tree and queues it for writing, in index order.</summary>
    /// <remarks>Under <see cref="_hashLock"/>: the hashing thread and the committer take turns.</remarks>
    /// <param name="wakeWriter">Wake the writing thread for each batch (false for the committer, which writes them itself).</param>
    private void HashPending(bool wakeWriter)
    {
        lock (_hashLock)
        {
            while (TryTake(out var batch))
            {
                HashBatch(batch);
                _hashed.Enqueue(batch);
                if (wakeWriter)
                {
                    _hashedReady.Release();
                }
            }
        }
    }

    /// <summary>
    /// Writes and syncs, group after group, everything hashed and everything a committing caller waits for, until
    /// nothing is left (writing thread); true when a drain marker was among the groups.
    /// </summary>
    private bool CommitPending(List<LedgerBatch> group)
    {
        var drained = false;
        while (true)
        {
            if (CommitWanted())
            {
                // A caller waits: hash what it appended here rather than wake the hashing thread for it.
                HashPending(wakeWriter: false);
            }

            // Group commit: every batch hashed while the previous sync ran shares this one write pass and one sync, so
            // the senders waiting on any of them are released together.
            drained |= TakeGroup(group);
            if (group.Count == 0)
            {
                return drained;
            }

            _groupStart = 0;
            _groupOffset = _segmentLength;
            UntilWritten(() => WriteGroup(group));
            FinishGroup(group);
            if (DurableCount - (_lastCheckpoint?.TreeSize ?? 0) >= _options.CheckpointEveryEntries && _signingStopped is null)
            {
                UntilWritten(WriteCheckpoint);
            }
        }
    }

    /// <summary>True when a caller waits for an entry that is not durable yet.</summary>
    private bool CommitWanted()
    {
        lock (_gate)
        {
            return _flushWaiters.Count > 0;
        }
    }
}

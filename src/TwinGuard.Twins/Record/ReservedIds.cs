namespace TwinGuard.Twins.Record;

/// <summary>
/// The ids of one table, reserved from the store a block at a time (<see cref="IRecordStore.ReserveIds"/>); the next
/// block is reserved on a thread-pool thread once half of the current one is used, so the caller (the correlate stage,
/// on the path from a finding to its containment) does not wait for the database.
/// </summary>
/// <remarks>
/// Why: the reservation is a write transaction, which waits behind the record stage's own; taken on the caller's thread
/// every <c>block</c> findings, it was the slowest one in a hundred lockdowns (<c>bench lockdown</c>'s steps). Ids come
/// out in increasing order all the same: a block is used up before the one reserved after it. Ids reserved and not used
/// when the process stops are never used (a gap in the numbering, never a reuse). Not thread-safe: one caller.
/// </remarks>
/// <param name="store">Where ids are reserved.</param>
/// <param name="table">The table they are for.</param>
/// <param name="block">How many a trip to the store reserves.</param>
internal sealed class ReservedIds(IRecordStore store, string table, int block)
{
    private readonly Queue<long> _ids = new();
    private Task<IReadOnlyList<long>>? _next;

    /// <summary>The next id; waits for the store only when no reserved id is left and the next block is not in yet.</summary>
    /// <remarks>When the store fails to reserve a block, its error is thrown here, and the next call asks again.</remarks>
    public long Next()
    {
        if (_ids.Count == 0)
        {
            var next = _next;
            _next = null;
            foreach (var id in next is null ? store.ReserveIds(table, block) : next.GetAwaiter().GetResult())
            {
                _ids.Enqueue(id);
            }
        }

        var taken = _ids.Dequeue();
        if (_next is null && _ids.Count <= block / 2)
        {
            // On a thread of its own, not the pool's: Next waits for it when the block runs out, on the caller's pool
            // thread, and a wait for pool work from a pool thread stalls while the pool is starved (it grows slowly).
            _next = Task.Factory.StartNew(() => store.ReserveIds(table, block), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        return taken;
    }
}

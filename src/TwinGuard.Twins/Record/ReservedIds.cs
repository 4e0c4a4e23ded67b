namespace TwinGuard.Twins.Record;

/// <summary>
/// The ids of one table, reserved from the store a block at a time (<see cref="IRecordStore.ReserveIds"/>); the next
/// block is reserved on a thread-pool thread once half of the current one is used, so the caller (the correlate stage,
/// on the path from a finding to its containment) does not wait for the database.
/// </summary>
/// <remarks>
/// <para>Why: the reservation is a write transaction, which waits behind the record stage's own; taken on the caller's
/// thread every <c>block</c> findings, it was the slowest one in a hundred lockdowns (<c>bench lockdown</c>'s steps). Ids
/// come out in increasing order all the same: a block is used up before the one reserved after it. Ids reserved and not
/// used when the process stops are never used (a gap in the numbering, never a reuse). Not thread-safe: one caller.</para>
/// <para>Why the pool and not a thread of its own: starting a thread (<c>TaskCreationOptions.LongRunning</c>) waits in
/// <c>Thread.Start</c> until the new thread has run, and on a busy 2-core machine that wait, once per <c>block</c>
/// ids on the caller's thread, was the correlate stage's p99 (slow trials of <c>bench lockdown</c> exactly 64 findings
/// or incidents apart, bench/results/lockdown-2026-12-07-lanes.md). A pool work item costs the caller nothing; when the
/// block runs out before the pool has started it (a starved pool), the caller takes the reservation over and makes it
/// itself rather than wait for a pool thread from what may be a pool thread.</para>
/// </remarks>
/// <param name="store">Where ids are reserved.</param>
/// <param name="table">The table they are for.</param>
/// <param name="block">How many a trip to the store reserves.</param>
internal sealed class ReservedIds(IRecordStore store, string table, int block)
{
    private readonly Queue<long> _ids = new();
    private Refill? _next;

    /// <summary>The next id; waits for the store only when no reserved id is left and the next block is not in yet.</summary>
    /// <remarks>When the store fails to reserve a block, its error is thrown here, and the next call asks again.</remarks>
    public long Next()
    {
        if (_ids.Count == 0)
        {
            var next = _next;
            _next = null;
            foreach (var id in next is null || next.TakeOver() ? store.ReserveIds(table, block) : next.Wait())
            {
                _ids.Enqueue(id);
            }
        }

        var taken = _ids.Dequeue();
        if (_next is null && _ids.Count <= block / 2)
        {
            _next = new Refill(() => store.ReserveIds(table, block));
            ThreadPool.UnsafeQueueUserWorkItem(static refill => refill.Run(), _next, preferLocal: false);
        }

        return taken;
    }

    /// <summary>A reservation made by whichever comes first: the pool's work item, or the caller that needs it.</summary>
    private sealed class Refill(Func<IReadOnlyList<long>> reserve)
    {
        private readonly TaskCompletionSource<IReadOnlyList<long>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _claimed;

        /// <summary>True when the pool has not started it: the caller makes the reservation itself.</summary>
        public bool TakeOver() => Interlocked.Exchange(ref _claimed, 1) == 0;

        /// <summary>The reservation the pool made (or is making); its error, when it failed.</summary>
        public IReadOnlyList<long> Wait() => _done.Task.GetAwaiter().GetResult();

        public void Run()
        {
            if (Interlocked.Exchange(ref _claimed, 1) != 0)
            {
                return;
            }

            try
            {
                _done.SetResult(reserve());
            }
            catch (Exception ex)
            {
                _done.SetException(ex);
            }
        }
    }
}

namespace TwinGuard.Twins.Pipeline;

/// <summary>
/// Runs a stage's single consumer on the thread that just queued work for it, when no other thread runs it: the work
/// is taken without a thread hop, and a stage stays single-threaded (one runner at a time) as a dedicated loop was.
/// </summary>
/// <remarks>
/// <para>Why: a loop that awaits its queue resumes as a thread-pool work item, and on a busy machine a work item waits
/// for a core (p99 3 ms on this project's 2-core machine, <c>bench ingest</c>'s hop figure), once per stage a finding
/// crosses on its way to containment.</para>
/// <para>The caller's thread runs one round of <c>drain</c>; when more work is queued after it, or the round awaits
/// something unfinished, the runner goes on as a thread-pool work item, so a producer's thread is never kept by a
/// backlog. A thread that finds the stage running leaves its work to that runner, which looks again after releasing
/// (with a full fence) so nothing queued is left behind.</para>
/// </remarks>
/// <param name="drain">Takes one round of the queued work (bounded); only ever called by one runner at a time.</param>
/// <param name="hasWork">True when work is queued.</param>
/// <param name="runOnCaller">False: even the first round runs on a thread-pool thread (work whose synchronous start
/// must not hold up the thread that queued it).</param>
public sealed class InlineRunner(Func<ValueTask> drain, Func<bool> hasWork, bool runOnCaller = true)
{
    private int _running;
    private Task _current = Task.CompletedTask;

    /// <summary>Runs the stage here unless another thread does (call it after queueing work).</summary>
    public void Kick()
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) == 0)
        {
            _current = runOnCaller ? RunAsync() : Task.Run(RunAsync);
        }
    }

    /// <summary>Completes when nothing is queued and no round runs (after the producers have stopped).</summary>
    public async Task IdleAsync()
    {
        while (true)
        {
            Kick();
            await Volatile.Read(ref _current);
            if (Volatile.Read(ref _running) == 0 && !hasWork())
            {
                return;
            }

            await Task.Yield();
        }
    }

    private async Task RunAsync()
    {
        var first = true;
        do
        {
            if (!first)
            {
                await Task.Yield(); // a backlog goes on off the thread that queued
            }

            first = false;
            try
            {
                await drain();
            }
            finally
            {
                Interlocked.Exchange(ref _running, 0);
            }
        }
        while (hasWork() && Interlocked.CompareExchange(ref _running, 1, 0) == 0);
    }
}

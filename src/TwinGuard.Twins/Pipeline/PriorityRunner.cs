using System.Runtime.InteropServices;

namespace TwinGuard.Twins.Pipeline;

/// <summary>
/// Runs a stage's single consumer on a thread of its own that the kernel schedules ahead of the others (Linux: nice
/// <see cref="Nice"/>), woken when work is queued: the stage that leads to containment keeps its core while the
/// ingest path's threads want both.
/// </summary>
/// <remarks>
/// <para>Why: the correlate stage, the respond engine's containment and the broker's socket shutdown run one after the
/// other on the thread that takes a finding, about 0.2 ms of work. Run inline on the thread that raised it (a twin's,
/// from the thread pool, <see cref="InlineRunner"/>), that thread competes as an equal with the ingest's; on this
/// project's 2-core machine at 10k msgs/s, the kernel took its core away for a millisecond or more in one trial of a
/// hundred (<c>twinguard bench lockdown</c>, the steps to the FIN). A thread with a higher weight is given its core back
/// at once when it wakes and keeps it through the work.</para>
/// <para>Raising a thread's priority needs CAP_SYS_NICE (root has it); without it the thread runs at the ordinary
/// priority, which <see cref="Elevated"/> tells. The thread only runs when work is queued, and one round at a time.</para>
/// </remarks>
public sealed class PriorityRunner : IDisposable
{
    /// <summary>The nice value asked for (-20 is the highest).</summary>
    public const int Nice = -15;

    private readonly Func<ValueTask> _drain;
    private readonly Func<bool> _hasWork;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private Exception? _failure;
    private int _signalled;
    private int _running;
    private volatile bool _disposed;

    /// <summary>Creates the runner and starts its thread.</summary>
    /// <param name="name">The thread's name (shown by <c>top -H</c> and debuggers).</param>
    /// <param name="drain">Takes one round of the queued work (bounded); only ever called by this runner's thread.</param>
    /// <param name="hasWork">True when work is queued.</param>
    public PriorityRunner(string name, Func<ValueTask> drain, Func<bool> hasWork)
    {
        _drain = drain;
        _hasWork = hasWork;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>True once the thread runs at the raised priority; false where that was not allowed (or not Linux).</summary>
    public bool Elevated { get; private set; }

    /// <summary>Wakes the thread (call it after queueing work).</summary>
    public void Kick()
    {
        // One wake-up per batch of kicks: the thread clears the flag before it looks for work.
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _wake.Release();
        }
    }

    /// <summary>
    /// Completes when nothing is queued and no round runs (after the producers have stopped); throws the first failure
    /// of a round, if one failed (the rounds after it ran all the same).
    /// </summary>
    public async Task IdleAsync()
    {
        while (!_disposed && (_hasWork() || Volatile.Read(ref _running) == 1 || Volatile.Read(ref _signalled) == 1))
        {
            Kick();
            await Task.Delay(1);
        }

        if (Volatile.Read(ref _failure) is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Stops the thread once it has drained what is queued.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _wake.Release();
        _thread.Join();
        _wake.Dispose();
    }

    private void Run()
    {
        Elevated = TryRaiseThisThread();
        while (true)
        {
            _wake.Wait();
            Volatile.Write(ref _running, 1);
            Interlocked.Exchange(ref _signalled, 0);
            while (_hasWork())
            {
                try
                {
                    var round = _drain();
                    if (!round.IsCompletedSuccessfully)
                    {
                        // This thread has nothing else to do: it waits for the round rather than leaving it to the thread pool.
                        round.AsTask().GetAwaiter().GetResult();
                    }
                }
                catch (Exception ex)
                {
                    // Kept for IdleAsync, as a failed round of an InlineRunner is: the stage goes on with the next round.
                    Interlocked.CompareExchange(ref _failure, ex, null);
                }
            }

            Volatile.Write(ref _running, 0);
            if (_disposed && !_hasWork())
            {
                return;
            }
        }
    }

    private static bool TryRaiseThisThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            // setpriority(2) with PRIO_PROCESS and a thread id sets that one thread's nice value (Linux).
            return setpriority(0, gettid(), Nice) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // DllImport, not LibraryImport: both signatures are blittable, and this project compiles no unsafe code.
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int setpriority(int which, int who, int priority);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int gettid();
}

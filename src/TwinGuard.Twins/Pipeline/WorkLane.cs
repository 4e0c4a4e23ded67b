using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace TwinGuard.Twins.Pipeline;

/// <summary>
/// A bounded queue of work run one item at a time, in the order queued: the respond stage's own queue (containment,
/// records, approvals, polls) and each notifier's lane are one.
/// </summary>
/// <remarks>
/// <para>What happens when it is full is the caller's choice, item by item: <see cref="TryQueue"/> refuses (the caller
/// records what it dropped), <see cref="QueueAsync"/> waits for room, <see cref="RunAsync{T}"/> waits for room and then
/// for the item's result. Bounded, so that a source of work faster than the lane (an attacker opening incidents, a
/// receiver that never answers) cannot grow memory.</para>
/// <para>Where the items run (<see cref="InlineRunner"/>): with <c>runOnCaller</c>, the first item runs on the thread
/// that queued it when the lane is idle (no thread hop: the respond stage's containment); without, on a thread-pool
/// thread (a notification's synchronous start, a database read and an HTTP request's set-up, stays off the queuing
/// thread). Nothing runs before <see cref="Start"/>.</para>
/// <para>Stopping (<see cref="StopAsync"/>) refuses new items and runs what is queued; when the stop's token fires
/// first, the item running is cancelled and the rest are dropped.</para>
/// </remarks>
public sealed partial class WorkLane
{
    private readonly Channel<Func<CancellationToken, Task>> _work;
    private readonly InlineRunner _runner;
    private readonly CancellationTokenSource _abandon = new();
    private readonly string _name;
    private readonly ILogger _logger;
    private volatile bool _started;

    /// <summary>Creates the lane; <see cref="Start"/> starts running what is queued.</summary>
    /// <param name="name">What the lane carries (in the log, when an item fails).</param>
    /// <param name="capacity">How many items may wait at most.</param>
    /// <param name="runOnCaller">True: an idle lane runs a new item on the queuing thread until the item first awaits.</param>
    /// <param name="logger">Where an item's failure is logged (the next item runs all the same).</param>
    public WorkLane(string name, int capacity, bool runOnCaller, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        (_name, Capacity, _logger) = (name, capacity, logger);
        // Not SingleReader: that channel cannot count, and the runner asks whether work is queued (one reader at a time all the same).
        _work = Channel.CreateBounded<Func<CancellationToken, Task>>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
        _runner = new InlineRunner(RunOneAsync, () => _work.Reader.Count > 0, runOnCaller);
    }

    /// <summary>How many items may wait at most.</summary>
    public int Capacity { get; }

    /// <summary>How many items waiting now.</summary>
    public int Waiting => _work.Reader.Count;

    /// <summary>Starts running what is queued (and what was queued before).</summary>
    public void Start()
    {
        _started = true;
        _runner.Kick();
    }

    /// <summary>Queues an item; false when the lane is full or stopped (nothing is queued then).</summary>
    public bool TryQueue(Func<CancellationToken, Task> work)
    {
        if (!_work.Writer.TryWrite(work))
        {
            return false;
        }

        Kick();
        return true;
    }

    /// <summary>Queues an item, waiting for room while the lane is full; false when the lane is stopped.</summary>
    public async ValueTask<bool> QueueAsync(Func<CancellationToken, Task> work, CancellationToken cancellationToken = default)
    {
        while (!_work.Writer.TryWrite(work))
        {
            if (!await _work.Writer.WaitToWriteAsync(cancellationToken))
            {
                return false;
            }
        }

        Kick();
        return true;
    }

    /// <summary>
    /// Queues an item (waiting for room) and completes with its result. After the lane has stopped it fails with
    /// <see cref="ChannelClosedException"/>: a caller waiting on the result would otherwise wait for ever.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var item = async (CancellationToken ct) =>
        {
            try
            {
                done.TrySetResult(await work(ct));
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        };
        // The fast path allocates no wait: the lane is rarely full.
        var queued = TryQueue(item) || await QueueAsync(item, cancellationToken);
        return queued ? await done.Task.WaitAsync(cancellationToken) : throw new ChannelClosedException();
    }

    /// <summary>
    /// Refuses new items and runs what is queued, then completes; when <paramref name="cancellationToken"/> fires first,
    /// the item running is cancelled, the rest are dropped, and it throws.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _work.Writer.TryComplete();
        using var abandon = cancellationToken.Register(_abandon.Cancel);
        var idle = _runner.IdleAsync();
        try
        {
            await idle.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await idle; // it ends promptly: cancelled, and every item after it is dropped
            throw;
        }
    }

    private void Kick()
    {
        if (_started)
        {
            _runner.Kick();
        }
    }

    /// <summary>One round: one item (the next ones go on off the thread that queued them).</summary>
    private async ValueTask RunOneAsync()
    {
        if (!_work.Reader.TryRead(out var work) || _abandon.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await work(_abandon.Token);
        }
        catch (Exception ex)
        {
            // The lane must outlive any one failure (an item records its own outcome); the next item runs.
            LogItemFailed(_logger, ex, _name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "An item of the {Lane} lane failed")]
    private static partial void LogItemFailed(ILogger logger, Exception exception, string lane);
}

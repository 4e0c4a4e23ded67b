using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace TwinGuard.Twins.Respond;

/// <summary>
/// The respond stage's second queue: notifications and reports, one at a time in the order they were queued, on a loop
/// of their own, so that containment never waits behind them.
/// </summary>
/// <remarks>
/// <para>Why a lane of their own: a webhook may take its HTTP client's whole timeout (10 s) to answer, a syslog
/// collector may be unreachable, a report is disk I/O. On the engine's queue, every incident announced meanwhile
/// waited that long to be contained; here only the next notification waits.</para>
/// <para>Bounded: an attacker who opens incidents faster than a slow receiver takes alerts cannot grow it; what does
/// not fit is refused (<see cref="TryQueue"/> is false) and the caller records it as failed.</para>
/// </remarks>
public sealed partial class NotificationLane
{
    /// <summary>How many notifications may wait at most.</summary>
    public const int Capacity = 4096;

    private readonly Channel<Func<CancellationToken, Task>> _work =
        Channel.CreateBounded<Func<CancellationToken, Task>>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly CancellationTokenSource _abandon = new();
    private readonly ILogger _logger;
    private Task _loop = Task.CompletedTask;

    /// <summary>Creates the lane; <see cref="Start"/> starts its loop.</summary>
    public NotificationLane(ILogger logger) => _logger = logger;

    /// <summary>Starts delivering what is queued (and what was queued before).</summary>
    public void Start() => _loop = Task.Run(RunAsync, CancellationToken.None);

    /// <summary>Queues a notification; false when the lane is full or stopped (nothing is queued then).</summary>
    public bool TryQueue(Func<CancellationToken, Task> work) => _work.Writer.TryWrite(work);

    /// <summary>
    /// Delivers what is queued, then stops; when <paramref name="cancellationToken"/> fires first, the delivery in
    /// progress is cancelled and the rest is dropped.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _work.Writer.TryComplete();
        using var abandon = cancellationToken.Register(_abandon.Cancel);
        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _loop; // it ends promptly: cancelled, and every item after it is dropped
            throw;
        }
    }

    private async Task RunAsync()
    {
        await foreach (var work in _work.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (_abandon.IsCancellationRequested)
            {
                continue;
            }

            try
            {
                await work(_abandon.Token);
            }
            catch (Exception ex)
            {
                // A notification's failure is the communicator's to record; anything else is logged and the next one runs.
                LogNotificationFailed(_logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A notification task failed")]
    private static partial void LogNotificationFailed(ILogger logger, Exception exception);
}

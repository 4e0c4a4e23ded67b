using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// Runs the <see cref="RetentionPruner"/> at start and every <c>retention.interval</c> on the pipeline's clock, on its own
/// connection to the site database. Registered after <see cref="PipelineService"/>, so it stops before the ledger closes.
/// </summary>
internal sealed partial class RetentionService(HostSettings settings, LedgerRecorder ledger, ILogger<RetentionService> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;

    /// <summary>Raised after each run with what it removed (tests wait on it).</summary>
    public event Action<IReadOnlyList<PrunedRange>>? Pruned;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _running = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _running.WaitAsync(cancellationToken);
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var store = RecordStores.Open(settings);
        var retention = settings.Plant.Retention;
        var pruner = new RetentionPruner(store, ledger, retention, settings.DataDirectory, settings.Time);
        using var timer = new PeriodicTimer(retention.Interval, settings.Time);
        do
        {
            try
            {
                var removed = await pruner.PruneAsync(cancellationToken);
                foreach (var range in removed)
                {
                    Removed(logger, range.Count, range.Kind, string.Join(", ", range.Bounds), range.First, range.Last);
                }

                Pruned?.Invoke(removed);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or RecordStoreException or TimeoutException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Never the end of retention: the next run tries again.
                Failed(logger, ex.Message);
            }
        }
        while (await WaitAsync(timer, cancellationToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "retention: removed {Count} {Kind} ({Bounds}; {First}..{Last}), recorded in the ledger")]
    private static partial void Removed(ILogger logger, long count, string kind, string bounds, long first, long last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "retention: pruning failed, retried at the next interval: {Problem}")]
    private static partial void Failed(ILogger logger, string problem);
}

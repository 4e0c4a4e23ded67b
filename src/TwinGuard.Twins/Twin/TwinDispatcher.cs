using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Twin;

/// <summary>
/// Carries messages from the gate to the twins: one bounded queue and one pump per asset, so that readings reach a
/// grain in batches and a slow or busy asset never delays the others.
/// </summary>
/// <remarks>
/// A pump takes whatever has queued up while the previous call ran (up to <see cref="MaxBatch"/>) and sends it in one
/// grain call: no waiting to fill a batch, so an idle system adds no latency and a busy one amortises the call.
/// When an asset's queue is full, the transport waits: back-pressure on that publisher's connection only.
/// </remarks>
public sealed partial class TwinDispatcher(IGrainFactory grains, ILogger<TwinDispatcher> logger) : ITwinInbox, IAsyncDisposable
{
    /// <summary>Most messages per grain call.</summary>
    public const int MaxBatch = 512;

    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly IGrainFactory _grains = grains;
    private int _disposed;
    private readonly ILogger _logger = logger;

    /// <inheritdoc />
    public ValueTask DeliverAsync(AssetModel asset, ReadingMessage message)
    {
        var lane = _lanes.GetOrAdd(asset.Id, static (id, self) => new Lane(self._grains.GetGrain<ITwinGrain>(id), id, self), this);
        return lane.Queue.Writer.TryWrite(message) ? ValueTask.CompletedTask : lane.Queue.Writer.WriteAsync(message, _stopping.Token);
    }

    /// <summary>Stops accepting and waits for every queued message to reach its twin.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var lane in _lanes.Values)
        {
            lane.Queue.Writer.TryComplete();
        }

        await Task.WhenAll(_lanes.Values.Select(l => l.Pump));
        await _stopping.CancelAsync();
        _stopping.Dispose();
    }

    private sealed class Lane
    {
        public Lane(ITwinGrain grain, string assetId, TwinDispatcher owner)
        {
            Queue = Channel.CreateBounded<ReadingMessage>(new BoundedChannelOptions(10_000) { SingleReader = true });
            Pump = Task.Run(() => PumpAsync(grain, assetId, owner), CancellationToken.None);
        }

        public Channel<ReadingMessage> Queue { get; }

        public Task Pump { get; }

        private async Task PumpAsync(ITwinGrain grain, string assetId, TwinDispatcher owner)
        {
            var batch = new List<ReadingMessage>(MaxBatch);
            var reader = Queue.Reader;
            while (await reader.WaitToReadAsync(CancellationToken.None))
            {
                while (batch.Count < MaxBatch && reader.TryRead(out var message))
                {
                    batch.Add(message);
                }

                try
                {
                    await grain.IngestAsync([.. batch]);
                }
                catch (Exception ex) when (!owner._stopping.IsCancellationRequested)
                {
                    // The pump must outlive a failed call: a lost batch is logged with its size, the next one goes on.
                    LogDeliveryFailed(owner._logger, ex, assetId, batch.Count);
                }

                batch.Clear();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery of {Count} messages to the twin of {AssetId} failed")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string assetId, int count);
}

using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Twin;

/// <summary>
/// Carries messages from the gate to the twins: one bounded queue and one pump per asset, so that readings reach a
/// grain in batches and a slow or busy asset never delays the others. Each batch is written to the ledger as it goes
/// to the twin, and the messages whose sender waits for an acknowledgement learn when it is on disk.
/// </summary>
/// <remarks>
/// A pump takes whatever has queued up (up to <see cref="MaxBatch"/>), writes it to the ledger at once and hands it to a
/// second pump, which sends what queued while the previous grain call ran in one call: no waiting to fill a batch, so
/// an idle system adds no latency and a busy one amortises both the fsync and the call.
/// When an asset's queue is full, the transport waits: back-pressure on that publisher's connection only.
/// The batch is recorded before validation, so any reading, accepted or refused by its twin, can later be proven; the
/// ledger's group commit makes one fsync cover the batches of every asset that arrived meanwhile.
/// </remarks>
public sealed partial class TwinDispatcher(IGrainFactory grains, LedgerRecorder ledger, ILogger<TwinDispatcher> logger) : ITwinInbox, IAsyncDisposable
{
    /// <summary>Most messages per grain call.</summary>
    public const int MaxBatch = 512;

    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly IGrainFactory _grains = grains;
    private int _disposed;
    private readonly ILogger _logger = logger;
    private readonly LedgerRecorder _ledger = ledger;

    /// <inheritdoc />
    public ValueTask<Task> DeliverAsync(AssetModel asset, ReadingMessage message, bool kept)
    {
        var lane = _lanes.GetOrAdd(asset.Id, static (_, state) => new Lane(state.Self._grains.GetGrain<ITwinGrain>(state.Asset.Id), state.Asset, state.Self), (Self: this, Asset: asset));
        // Continuations run inline: they are completed where the fsync finished (AcknowledgeAsync), and sending the
        // acknowledgement at once saves a trip through the pool per message.
        var delivery = new Delivery(message, kept ? new TaskCompletionSource() : null);
        return lane.Queue.Writer.TryWrite(delivery)
            ? ValueTask.FromResult(delivery.Kept?.Task ?? Task.CompletedTask)
            : QueueAsync(lane, delivery);
    }

    private async ValueTask<Task> QueueAsync(Lane lane, Delivery delivery)
    {
        await lane.Queue.Writer.WriteAsync(delivery, _stopping.Token);
        return delivery.Kept?.Task ?? Task.CompletedTask;
    }

    /// <summary>Completes the senders' waits once the batch's entry is durable, or fails them when it cannot be.</summary>
    private static async Task AcknowledgeAsync(Task durable, List<TaskCompletionSource> waiting)
    {
        try
        {
            await durable.ConfigureAwait(false);
            foreach (var kept in waiting)
            {
                kept.TrySetResult();
            }
        }
        catch (Exception ex)
        {
            foreach (var kept in waiting)
            {
                kept.TrySetException(ex);
            }
        }
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
        /// <summary>Recorded batches waiting for the grain; bounds how far the ledger may run ahead of the twin.</summary>
        /// <remarks>
        /// Continuations run synchronously: an idle delivery pump takes a recorded batch on the recording pump's thread
        /// and starts the grain call at once, instead of waiting for a thread-pool thread of its own (one thread hop less
        /// per batch, which on a loaded machine is a wait for a core). A busy one is awaiting its grain call, not this
        /// channel, so batches still merge while a call runs.
        /// </remarks>
        private readonly Channel<ReadingMessage[]> _recorded =
            Channel.CreateBounded<ReadingMessage[]>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });

        public Lane(ITwinGrain grain, AssetModel asset, TwinDispatcher owner)
        {
            Queue = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(10_000) { SingleReader = true });
            Pump = Task.WhenAll(
                Task.Run(() => RecordAsync(asset, owner), CancellationToken.None),
                Task.Run(() => DeliverAsync(grain, asset, owner), CancellationToken.None));
        }

        public Channel<Delivery> Queue { get; }

        public Task Pump { get; }

        /// <summary>
        /// Writes what has queued to the ledger and passes it on to <see cref="DeliverAsync"/>: a grain call in progress
        /// does not hold back the next batch's group commit, so an acknowledgement waits for the disk, not the twin.
        /// </summary>
        private async Task RecordAsync(AssetModel asset, TwinDispatcher owner)
        {
            var batch = new List<ReadingMessage>(MaxBatch);
            var reader = Queue.Reader;
            try
            {
                while (await reader.WaitToReadAsync(CancellationToken.None))
                {
                    List<TaskCompletionSource>? waiting = null;
                    while (batch.Count < MaxBatch && reader.TryRead(out var delivery))
                    {
                        batch.Add(delivery.Message);
                        if (delivery.Kept is { } kept)
                        {
                            (waiting ??= []).Add(kept);
                        }
                    }

                    var messages = batch.ToArray();
                    batch.Clear();
                    Record(asset, messages, waiting, owner);
                    await _recorded.Writer.WriteAsync(messages, CancellationToken.None);
                }
            }
            finally
            {
                _recorded.Writer.TryComplete();
            }
        }

        /// <summary>Sends recorded batches to the grain, merging those that queued during the previous call.</summary>
        private async Task DeliverAsync(ITwinGrain grain, AssetModel asset, TwinDispatcher owner)
        {
            var reader = _recorded.Reader;
            while (await reader.WaitToReadAsync(CancellationToken.None))
            {
                if (!reader.TryRead(out var messages))
                {
                    continue;
                }

                while (messages.Length < MaxBatch && reader.TryPeek(out var next) && messages.Length + next.Length <= MaxBatch)
                {
                    reader.TryRead(out _);
                    messages = [.. messages, .. next];
                }

                try
                {
                    await grain.IngestAsync(messages);
                }
                catch (Exception ex) when (!owner._stopping.IsCancellationRequested)
                {
                    // The pump must outlive a failed call: a lost batch is logged with its size, the next one goes on.
                    LogDeliveryFailed(owner._logger, ex, asset.Id, messages.Length);
                }
            }
        }

        private static void Record(AssetModel asset, ReadingMessage[] messages, List<TaskCompletionSource>? waiting, TwinDispatcher owner)
        {
            Task durable;
            try
            {
                var index = owner._ledger.RecordBatch(asset, messages);
                if (waiting is null)
                {
                    return;
                }

                // Leader-follower: this pump fsyncs the batch itself when the ledger is idle, and the acknowledgements
                // go out from whichever thread finished the fsync, with no hand-off to another thread.
                durable = owner._ledger.CommitAsync(index);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // The ledger refuses (disk full past its memory bound, or closing): the twin still sees the batch, but
                // nobody is told it is kept.
                LogRecordFailed(owner._logger, ex, asset.Id, messages.Length);
                durable = Task.FromException(ex);
            }

            if (waiting is not null)
            {
                _ = AcknowledgeAsync(durable, waiting);
            }
        }
    }

    /// <summary>A message on its way to the twin, with the wait of a sender that expects an acknowledgement.</summary>
    private readonly record struct Delivery(ReadingMessage Message, TaskCompletionSource? Kept);

    [LoggerMessage(Level = LogLevel.Error, Message = "The ledger refused a batch of {Count} messages for {AssetId}; they are not acknowledged")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string assetId, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery of {Count} messages to the twin of {AssetId} failed")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string assetId, int count);
}

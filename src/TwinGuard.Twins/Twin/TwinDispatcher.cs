using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Twins.Twin;

/// <summary>
/// Carries messages from the gate to the twins: one bounded queue per asset, drained by whichever thread finds it idle,
/// so that a reading reaches its twin on the thread that brought it when the system keeps up, and in batches when it
/// does not. Each batch is written to the ledger as it goes to the twin, and the messages whose sender waits for an
/// acknowledgement learn when it is on disk.
/// </summary>
/// <remarks>
/// <para>No thread hop on the way while the lane keeps up: the thread that queues a message (a broker connection's, a
/// Modbus poller's) runs the lane when no other thread does: it takes what has queued (up to <see cref="MaxBatch"/>),
/// records it in the ledger and hands it to the twin in place through <see cref="LocalTwins"/>. A thread that finds the
/// lane running leaves its message to that runner, so batches form when work piles up, and one ledger entry, one fsync
/// and one twin entry cover them. A runner takes at most <see cref="MaxBatch"/> messages of others in place; beyond, the
/// lane goes on as a thread-pool work item, so that a connection's thread is not kept by other connections' traffic.</para>
/// <para>A lane whose messages come faster than a fraction of what one message alone costs (<see cref="LaneLoad"/>: a
/// connection flat out) is not run in place: its producer only queues, and a thread-pool runner takes the backlog that
/// forms meanwhile as one batch. In place, a single producer never leaves a backlog (it runs each message before it
/// queues the next), so every message would be a ledger entry and a twin entry of its own, on the producer's thread.</para>
/// <para>A twin not activated on this silo (its first batch, or activated elsewhere in a cluster) gets its batches through
/// a grain call on the lane's grain pump, which merges what queued during the previous call; batches go in place again
/// only once none is on its way through the grain, so a twin sees its batches in order.</para>
/// <para>When an asset's queue is full the transport waits: back-pressure on that publisher's connection only. The batch
/// is recorded before validation, so any reading, accepted or refused by its twin, can later be proven; the ledger's
/// group commit makes one fsync cover the batches of every asset that arrived meanwhile.</para>
/// <para>A sender waiting for an acknowledgement is acknowledged once the batch's entry is durable and its twin has taken
/// the batch and its accepted sequence numbers are kept (<see cref="SequenceStore.WhenDurableAsync"/>, on the twin's
/// silo): an acknowledged reading's replay is refused after any crash or failover (docs/cluster.md, replay protection).
/// By then the twin has judged the message, so the wait completes with its <see cref="TwinVerdict"/>: a reading the
/// twin refused is kept in the ledger and its sender told it was refused (docs/readings.md, What a device is told).</para>
/// </remarks>
public sealed partial class TwinDispatcher(IGrainFactory grains, LedgerRecorder ledger, ILogger<TwinDispatcher> logger, LocalTwins? local = null, SequenceStore? sequences = null)
    : ITwinInbox, IAsyncDisposable
{
    /// <summary>Most messages per grain call or twin entry.</summary>
    public const int MaxBatch = 512;

    /// <summary>Batches on their way through the grain beyond which a lane stops taking from its queue (its bound then holds the publishers).</summary>
    private const int MaxAtGrain = 64;

    /// <summary>Grain calls in flight from this silo's lanes, all twins together.</summary>
    /// <remarks>
    /// Orleans times a call out 30 s after it was sent, however long it waited behind others. Thousands of twins not yet
    /// active here (a silo starting under a plant's traffic, a failover) would each send their first batches at once:
    /// thousands of activations and their readings queued in the silo, where the last ones outwaited the timeout on a
    /// loaded machine and their batches were lost. A call waits here instead, unsent, and its batches merge meanwhile.
    /// </remarks>
    private const int MaxGrainCalls = 128;

    private readonly SemaphoreSlim _grainCalls = new(MaxGrainCalls, MaxGrainCalls);

    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly IGrainFactory _grains = grains;
    private readonly LocalTwins? _local = local;
    private int _disposed;
    private readonly ILogger _logger = logger;
    private readonly LedgerRecorder _ledger = ledger;
    private readonly SequenceStore? _sequences = sequences;

    /// <inheritdoc />
    public ValueTask<Task<TwinVerdict>> DeliverAsync(AssetModel asset, ReadingMessage message, bool kept, bool alone = false) => DeliverAsync(asset, message, kept, null, alone);

    /// <inheritdoc />
    public ValueTask<Task<TwinVerdict>> DeliverAsync(AssetModel asset, ReadingMessage message, bool kept, ReceiveBatch? batch, bool alone = false)
    {
        var lane = _lanes.GetOrAdd(asset.Id, static (_, state) => new Lane(state.Self._grains.GetGrain<ITwinGrain>(state.Asset.Id), state.Asset, state.Self), (Self: this, Asset: asset));
        // Continuations run inline: they are completed where the fsync finished (AcknowledgeAsync), and sending the
        // acknowledgement at once saves a trip through the pool per message.
        var delivery = new Delivery(message, kept ? new TaskCompletionSource<TwinVerdict>() : null, kept && alone);
        lane.Load.Arrived(Stopwatch.GetTimestamp());
        if (!lane.Queue.Writer.TryWrite(delivery))
        {
            return QueueAsync(lane, delivery, batch);
        }

        lane.Queued(batch);
        return ValueTask.FromResult(delivery.Kept?.Task ?? TwinVerdict.AcceptedTask);
    }

    private async ValueTask<Task<TwinVerdict>> QueueAsync(Lane lane, Delivery delivery, ReceiveBatch? batch)
    {
        // A full queue waits for its runner; the connection's own deferred lanes must not be what it waits for.
        batch?.Flush();
        await lane.Queue.Writer.WriteAsync(delivery, _stopping.Token);
        lane.Queued(batch);
        return delivery.Kept?.Task ?? TwinVerdict.AcceptedTask;
    }

    /// <summary>
    /// Completes the senders' waits with their twin's verdicts once the batch's entry is durable (and the twin took it),
    /// or fails them when it cannot be.
    /// </summary>
    private static async Task AcknowledgeAsync(Task durable, List<Waiting> waiting)
    {
        try
        {
            await durable.ConfigureAwait(false);
            foreach (var sender in waiting)
            {
                sender.Kept.TrySetResult(sender.Verdict);
            }
        }
        catch (Exception ex)
        {
            foreach (var sender in waiting)
            {
                sender.Kept.TrySetException(ex);
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

        await Task.WhenAll(_lanes.Values.Select(l => l.DrainAsync()));
        await _stopping.CancelAsync();
        _stopping.Dispose();
        _grainCalls.Dispose();
    }

    private sealed class Lane
    {
        /// <summary>Recorded batches waiting for a grain call (a twin not activated here); unbounded, held to <see cref="MaxAtGrain"/> by <see cref="_atGrain"/>.</summary>
        /// <remarks>
        /// Continuations run synchronously: an idle grain pump takes a batch on the runner's thread and starts the grain
        /// call at once. A busy one is awaiting its grain call, not this channel, so batches still merge while a call runs.
        /// </remarks>
        private readonly Channel<ToGrain> _toGrain =
            Channel.CreateUnbounded<ToGrain>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });

        private readonly List<ReadingMessage> _batch = new(MaxBatch);

        /// <summary>The twin's verdicts on the batch run in place, by position (read into the senders' waits at once).</summary>
        private readonly TwinVerdict[] _verdicts = new TwinVerdict[MaxBatch];
        private readonly AssetModel _asset;
        private readonly TwinDispatcher _owner;
        private readonly Task _grainPump;

        /// <summary>1 while a thread runs the lane: the only reader of <see cref="Queue"/> and writer of <see cref="_toGrain"/>.</summary>
        private int _running;

        /// <summary>Batches handed to the grain pump and not yet through their grain call.</summary>
        private int _atGrain;

        /// <summary><see cref="Run"/>, allocated once: what a connection's receive batch defers for this lane.</summary>
        private readonly Action _run;

        public Lane(ITwinGrain grain, AssetModel asset, TwinDispatcher owner)
        {
            (_asset, _owner) = (asset, owner);
            _run = Run;
            Queue = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(10_000) { SingleReader = true });
            _grainPump = Task.Run(() => DeliverThroughGrainAsync(grain), CancellationToken.None);
        }

        public Channel<Delivery> Queue { get; }

        /// <summary>How fast messages come against what one costs: whether their producers run the lane.</summary>
        public LaneLoad Load { get; } = new();

        /// <summary>
        /// After a message was queued: from a connection with more messages already read, leaves the lane to its receive
        /// batch; else runs it here, or, from a producer with no receive batch that outpaces the lane, on the thread pool.
        /// </summary>
        public void Queued(ReceiveBatch? batch)
        {
            if (batch is not null)
            {
                // No threshold and no hop: the batch is what the connection's read brought, run on its own thread.
                if (!batch.TryDefer(_run))
                {
                    batch.Flush();
                    Run();
                }
            }
            else if (Load.InPlace)
            {
                Run();
            }
            else if (TryTake())
            {
                ThreadPool.UnsafeQueueUserWorkItem(static lane => lane.RunTaken(), this, preferLocal: false);
            }
        }

        /// <summary>
        /// Runs the lane on this thread unless another thread does: up to <see cref="MaxBatch"/> messages, then what is
        /// left goes on as a thread-pool work item.
        /// </summary>
        public void Run()
        {
            if (TryTake())
            {
                RunTaken();
            }
        }

        private bool TryTake() => Interlocked.CompareExchange(ref _running, 1, 0) == 0;

        /// <summary>Runs the lane, which this thread has taken (<see cref="TryTake"/>), for up to <see cref="MaxBatch"/> messages.</summary>
        private void RunTaken()
        {
            var budget = MaxBatch;
            do
            {
                int taken;
                try
                {
                    taken = RunOnce();
                }
                finally
                {
                    // A full fence: a message queued by a thread that found the lane running is seen by the check below.
                    Interlocked.Exchange(ref _running, 0);
                }

                if (taken == 0 || Queue.Reader.Count == 0)
                {
                    return;
                }

                budget -= taken;
                if (budget <= 0)
                {
                    if (TryTake())
                    {
                        ThreadPool.UnsafeQueueUserWorkItem(static lane => lane.RunTaken(), this, preferLocal: false);
                    }

                    return;
                }
            }
            while (TryTake());
        }

        /// <summary>Waits until every queued message went to its twin (the queue's writer is complete), then ends the grain pump.</summary>
        public async Task DrainAsync()
        {
            Run();
            await Queue.Reader.Completion;
            while (Volatile.Read(ref _running) != 0)
            {
                await Task.Yield(); // the runner that read the last message is still handing it over
            }

            _toGrain.Writer.TryComplete();
            await _grainPump;
        }

        /// <summary>Takes one batch from the queue, records it and hands it to the twin; returns its size.</summary>
        private int RunOnce()
        {
            if (Volatile.Read(ref _atGrain) >= MaxAtGrain)
            {
                return 0; // the grain pump runs the lane again once it has caught up
            }

            List<Waiting>? waiting = null;
            var alone = true;
            while (_batch.Count < MaxBatch && Queue.Reader.TryRead(out var delivery))
            {
                if (delivery.Kept is { } kept)
                {
                    (waiting ??= []).Add(new Waiting(kept, _batch.Count));
                    alone &= delivery.Alone;
                }

                _batch.Add(delivery.Message);
            }

            if (_batch.Count == 0)
            {
                return 0;
            }

            // The batch is read in place (ledger entry, twin in place) and copied only when it goes through the grain.
            var messages = CollectionsMarshal.AsSpan(_batch);
            var started = Stopwatch.GetTimestamp();
            Task? durable, taken;
            try
            {
                durable = Record(_asset, messages, waiting is not null, alone, _owner);
                taken = Deliver(messages, waiting);
            }
            finally
            {
                _batch.Clear();
            }

            if (waiting is not null)
            {
                _ = AcknowledgeAsync(taken is null ? durable! : Task.WhenAll(durable!, taken), waiting);
            }

            if (messages.Length == 1)
            {
                Load.RanAlone(Stopwatch.GetTimestamp() - started);
            }

            return messages.Length;
        }

        /// <summary>
        /// To the twin in place when it is here and no earlier batch is still on its way through the grain; else to the grain
        /// pump. When senders wait (<paramref name="waiting"/>), returns what completes once the twin has taken the batch
        /// and the sequence numbers it accepted are kept, and the twin's verdicts are in <paramref name="waiting"/> by then;
        /// null when there is nothing to wait for.
        /// </summary>
        private Task? Deliver(ReadOnlySpan<ReadingMessage> messages, List<Waiting>? waiting)
        {
            var kept = waiting is not null;
            if (Volatile.Read(ref _atGrain) == 0 && _owner._local is { } local)
            {
                try
                {
                    if (local.TryIngest(_asset.Id, messages, kept ? _verdicts.AsSpan(0, messages.Length) : default))
                    {
                        if (waiting is null)
                        {
                            return null;
                        }

                        foreach (ref var sender in CollectionsMarshal.AsSpan(waiting))
                        {
                            sender.Verdict = _verdicts[sender.Index];
                        }

                        return _owner._sequences?.WhenDurableAsync();
                    }
                }
                catch (Exception ex)
                {
                    // As a failed grain call: the batch is logged with its size (it is in the ledger), the lane goes on.
                    LogDeliveryFailed(_owner._logger, ex, _asset.Id, messages.Length);
                    return null;
                }
            }

            var taken = kept ? new TaskCompletionSource() : null;
            Interlocked.Increment(ref _atGrain);
            _toGrain.Writer.TryWrite(new ToGrain(messages.ToArray(), taken, waiting));
            return taken?.Task;
        }

        /// <summary>Sends batches through the grain, merging those that queued during the previous call.</summary>
        private async Task DeliverThroughGrainAsync(ITwinGrain grain)
        {
            var reader = _toGrain.Reader;
            while (await reader.WaitToReadAsync(CancellationToken.None))
            {
                if (!reader.TryRead(out var first))
                {
                    continue;
                }

                var messages = first.Messages;
                List<ToGrain> parts = [first];
                TwinVerdict[]? verdicts = null;
                Exception? failure = null;
                await _owner._grainCalls.WaitAsync(CancellationToken.None);
                try
                {
                    // What queued during the previous call, and while this one waited for its turn, goes with it.
                    while (messages.Length < MaxBatch && reader.TryPeek(out var next) && messages.Length + next.Messages.Length <= MaxBatch)
                    {
                        reader.TryRead(out _);
                        messages = [.. messages, .. next.Messages];
                        parts.Add(next);
                    }

                    // The grain answers once its silo kept the sequence numbers the batch made it accept.
                    verdicts = await grain.IngestAsync(messages);
                }
                catch (Exception ex) when (!_owner._stopping.IsCancellationRequested)
                {
                    // The pump must outlive a failed call: a lost batch is logged with its size, the next one goes on.
                    LogDeliveryFailed(_owner._logger, ex, _asset.Id, messages.Length);
                    failure = ex;
                }
                finally
                {
                    _owner._grainCalls.Release();

                    // A call that failed may have had the twin accept numbers it could not keep (a timeout, the cluster's
                    // store unreachable): its senders are not told the readings are kept, and send them again.
                    var offset = 0;
                    foreach (var part in parts)
                    {
                        if (failure is null)
                        {
                            if (verdicts is not null && part.Waiting is { } waiting)
                            {
                                foreach (ref var sender in CollectionsMarshal.AsSpan(waiting))
                                {
                                    sender.Verdict = verdicts[offset + sender.Index];
                                }
                            }

                            part.Taken?.TrySetResult();
                        }
                        else
                        {
                            part.Taken?.TrySetException(failure);
                        }

                        offset += part.Messages.Length;
                    }
                }

                if (Interlocked.Add(ref _atGrain, -parts.Count) < MaxAtGrain && Queue.Reader.Count > 0)
                {
                    Run(); // what the lane left queued while the grain was behind
                }
            }
        }

        /// <summary>Records a batch in the ledger; when <paramref name="kept"/>, returns what completes once its entry is durable.</summary>
        /// <param name="asset">The batch's asset.</param>
        /// <param name="messages">The batch.</param>
        /// <param name="kept">Senders in the batch expect an acknowledgement.</param>
        /// <param name="alone">
        /// Every sender waiting in the batch has nothing else in flight: the commit may run on this thread (no thread
        /// hand-off for a lone publish), since none of them sends more before it is acknowledged. Otherwise this thread
        /// (possibly a connection's receive loop with more publishes to read) hands the commit to the writing thread.
        /// </param>
        /// <param name="owner">The dispatcher (its ledger and logger).</param>
        private static Task? Record(AssetModel asset, ReadOnlySpan<ReadingMessage> messages, bool kept, bool alone, TwinDispatcher owner)
        {
            try
            {
                if (!kept)
                {
                    owner._ledger.RecordBatch(asset, messages);
                    return null;
                }

                // Group commit: on the ledger's writing thread when a sender has more in flight, so this thread (a
                // connection's receive loop) goes on reading while the disk syncs and the acknowledgements go out from
                // the writing thread; on this thread for lone publishes when no commit runs (no wake-up to wait for).
                return owner._ledger.RecordBatchAndCommitAsync(asset, messages, alone);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // The ledger refuses (disk full past its memory bound, or closing): the twin still sees the batch, but
                // nobody is told it is kept.
                LogRecordFailed(owner._logger, ex, asset.Id, messages.Length);
                return kept ? Task.FromException(ex) : null;
            }
        }
    }

    /// <summary>
    /// A recorded batch on its way through the grain, with what completes once the twin took it and the senders who wait
    /// (their verdicts are filled in before <paramref name="Taken"/> completes).
    /// </summary>
    private readonly record struct ToGrain(ReadingMessage[] Messages, TaskCompletionSource? Taken, List<Waiting>? Waiting);

    /// <summary>A message on its way to the twin, with the wait of a sender that expects an acknowledgement, and whether that sender has nothing else in flight.</summary>
    private readonly record struct Delivery(ReadingMessage Message, TaskCompletionSource<TwinVerdict>? Kept, bool Alone);

    /// <summary>A sender waiting in a batch: its wait, its message's position in the batch, and the twin's verdict once known.</summary>
    private record struct Waiting(TaskCompletionSource<TwinVerdict> Kept, int Index)
    {
        public TwinVerdict Verdict { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The ledger refused a batch of {Count} messages for {AssetId}; they are not acknowledged")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string assetId, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery of {Count} messages to the twin of {AssetId} failed")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string assetId, int count);
}

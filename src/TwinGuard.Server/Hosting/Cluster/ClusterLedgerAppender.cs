using TwinGuard.Ledger;
using TwinGuard.Twins.Cluster;

namespace TwinGuard.Server.Hosting.Cluster;

/// <summary>
/// This silo's side of the cluster's one ledger: entries are queued here in the order they are recorded and sent in
/// batches to the site's <see cref="ILedgerSequencerGrain"/>; an entry is durable (a device's reading acknowledged)
/// once the sequencer has written it. The numbers <see cref="Append"/> returns are this silo's, not ledger indices.
/// </summary>
/// <remarks>
/// A batch whose call fails (the sequencer's silo died) is sent again until it is written: no entry is lost, but one
/// whose first call was written before the failure is in the ledger twice (at least once). At most
/// <see cref="MaxQueuedBytes"/> wait: beyond that, recording waits for room, as the ledger writer itself does.
/// </remarks>
internal sealed partial class ClusterLedgerAppender(IGrainFactory grains, HostSettings settings, ILogger<ClusterLedgerAppender> logger)
    : BackgroundService, ILedgerAppender
{
    /// <summary>Most payload bytes waiting to be sent.</summary>
    public const long MaxQueuedBytes = 64L << 20;

    private const int MaxBatchEntries = 4096;
    private const int MaxBatchBytes = 4 << 20;
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(250);

    private readonly Lock _gate = new();
    private readonly Queue<(LedgerEntryKind Kind, byte[] Payload)> _queue = new();
    private readonly SortedList<long, List<TaskCompletionSource>> _waiters = [];
    private readonly SemaphoreSlim _wake = new(0);
    private long _next;
    private long _durable;
    private long _queuedBytes;

    /// <summary>Entries written by the sequencer.</summary>
    public long Durable => Interlocked.Read(ref _durable);

    public long Append(LedgerEntryKind kind, ReadOnlySpan<byte> payload)
    {
        var copy = payload.ToArray();
        while (Interlocked.Read(ref _queuedBytes) > MaxQueuedBytes)
        {
            Thread.Sleep(1); // back-pressure, as LedgerWriter.WaitForRoom
        }

        long index;
        lock (_gate)
        {
            index = _next++;
            _queue.Enqueue((kind, copy));
            Interlocked.Add(ref _queuedBytes, copy.Length);
        }

        _wake.Release();
        return index;
    }

    public Task WhenDurableAsync(long index)
    {
        lock (_gate)
        {
            if (index < _durable)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_waiters.TryGetValue(index, out var list))
            {
                _waiters.Add(index, list = []);
            }

            list.Add(done);
            return done.Task;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sequencer = grains.GetGrain<ILedgerSequencerGrain>(settings.Plant.Site.Id);
        var kinds = new List<int>();
        var payloads = new List<byte[]>();
        try
        {
            while (true)
            {
                await _wake.WaitAsync(stoppingToken);
                if (!await SendQueuedAsync(sequencer, kinds, payloads, stoppingToken))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is queued is sent once more without the token (the sequencer may still be there).
            using var last = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await SendQueuedAsync(sequencer, kinds, payloads, last.Token);
        }
    }

    /// <summary>Sends everything queued, batch by batch; false when cancelled before it was all written.</summary>
    private async Task<bool> SendQueuedAsync(ILedgerSequencerGrain sequencer, List<int> kinds, List<byte[]> payloads, CancellationToken cancellationToken)
    {
        while (true)
        {
            kinds.Clear();
            payloads.Clear();
            var bytes = 0;
            lock (_gate)
            {
                foreach (var (kind, payload) in _queue)
                {
                    if (kinds.Count == MaxBatchEntries || (kinds.Count > 0 && bytes + payload.Length > MaxBatchBytes))
                    {
                        break;
                    }

                    kinds.Add((int)kind);
                    payloads.Add(payload);
                    bytes += payload.Length;
                }
            }

            if (kinds.Count == 0)
            {
                return true;
            }

            // One id for every try of this batch: the sequencer writes it once however often it is sent.
            var batch = new LedgerEntries([.. kinds], [.. payloads]) { BatchId = Guid.NewGuid() };
            while (true)
            {
                try
                {
                    await sequencer.AppendAsync(batch).WaitAsync(cancellationToken);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    SendFailed(logger, kinds.Count, ex.Message);
                    try
                    {
                        await Task.Delay(Retry, settings.Time, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        return false;
                    }
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }

            Written(kinds.Count, bytes);
        }
    }

    /// <summary>The first <paramref name="count"/> queued entries are in the ledger: dequeue them and wake their waiters.</summary>
    private void Written(int count, int bytes)
    {
        var done = new List<TaskCompletionSource>();
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _queue.Dequeue();
            }

            Interlocked.Add(ref _queuedBytes, -bytes);
            var durable = Interlocked.Add(ref _durable, count);
            while (_waiters.Count > 0 && _waiters.Keys[0] < durable)
            {
                done.AddRange(_waiters.Values[0]);
                _waiters.RemoveAt(0);
            }
        }

        foreach (var waiter in done)
        {
            waiter.SetResult();
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster ledger: sending {Count} entries to the sequencer failed, retrying: {Error}")]
    private static partial void SendFailed(ILogger logger, int count, string error);
}

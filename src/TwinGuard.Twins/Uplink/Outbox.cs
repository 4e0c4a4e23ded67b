using System.Globalization;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Uplink;

/// <summary>
/// What a sender owes one receiver, on disk until the receiver's broker acknowledges it: the SIEM forward queue
/// (<see cref="ForwardQueue"/>, bounded, at-least-once), drained in order by an <c>MqttUplink</c>. One type for the
/// edge's queue to its site and a site's queue to each peer (docs/edge.md, docs/sharing.md); Orleans-free, so that
/// the Native AOT edge compiles it too.
/// </summary>
/// <remarks>
/// Ids from <see cref="NextId"/> are <c>RUN-N</c>: the run is when the outbox was opened, in milliseconds (a restart
/// never reuses an id), N counts from 1; a message re-sent after a lost acknowledgement keeps its id, so the receiver
/// keeps it once. A message the queue has no room for is refused and counted (bounded disk wins over completeness
/// when a link stays down longer than the queue was sized for).
/// </remarks>
public sealed class Outbox : IDisposable
{
    private readonly ForwardQueue _queue;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _ready = new(0);
    private readonly string _run;
    private long _next;

    /// <summary>Opens the queue <paramref name="name"/> in <paramref name="directory"/>, at most <paramref name="maxBytes"/> on disk.</summary>
    public Outbox(string directory, string name, long maxBytes, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        Name = name;
        _queue = new ForwardQueue(directory, name, maxBytes);
        _run = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The queue's name (the receiver it sends to).</summary>
    public string Name { get; }

    /// <summary>Messages waiting, refused for want of room, delivered since start.</summary>
    public (long Depth, long Dropped, long Delivered) Counts
    {
        get
        {
            lock (_gate)
            {
                return (_queue.Depth, _queue.Dropped, _queue.Delivered);
            }
        }
    }

    /// <summary>A new id, unique to this outbox across restarts (<c>RUN-N</c>).</summary>
    public string NextId() => string.Create(CultureInfo.InvariantCulture, $"{_run}-{Interlocked.Increment(ref _next)}");

    /// <summary>Queues one message; false when the queue is full (counted).</summary>
    public bool TryEnqueue(string message)
    {
        bool queued;
        lock (_gate)
        {
            queued = _queue.TryEnqueue(message);
        }

        if (queued && _ready.CurrentCount == 0)
        {
            _ready.Release();
        }

        return queued;
    }

    /// <summary>Waits until something may be waiting (or <paramref name="timeout"/> passes).</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _ready.WaitAsync(timeout, cancellationToken);

    /// <summary>The oldest message not yet acknowledged, as it was queued.</summary>
    public bool TryPeek(out string message)
    {
        lock (_gate)
        {
            return _queue.TryPeek(out message);
        }
    }

    /// <summary>The receiver acknowledged what <see cref="TryPeek"/> returned.</summary>
    public void Advance()
    {
        lock (_gate)
        {
            _queue.Advance();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _queue.Dispose();
        _ready.Dispose();
    }
}

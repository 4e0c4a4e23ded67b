using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Share;

/// <summary>
/// What this site owes one peer, on disk until the peer's broker acknowledges it: the SIEM forward queue
/// (<see cref="ForwardQueue"/>, bounded, at-least-once), holding signed <see cref="PeerEnvelope"/> JSON.
/// </summary>
public sealed class PeerOutbox : IDisposable
{
    private readonly ForwardQueue _queue;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _ready = new(0);

    /// <summary>Opens the queue of <paramref name="peerId"/> in <paramref name="directory"/>.</summary>
    public PeerOutbox(string peerId, string directory, long maxBytes)
    {
        PeerId = peerId;
        _queue = new ForwardQueue(directory, peerId, maxBytes);
    }

    /// <summary>The peer it sends to.</summary>
    public string PeerId { get; }

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

    /// <summary>Queues one signed envelope; false when the queue is full (counted).</summary>
    public bool TryEnqueue(string envelope)
    {
        bool queued;
        lock (_gate)
        {
            queued = _queue.TryEnqueue(envelope);
        }

        if (queued && _ready.CurrentCount == 0)
        {
            _ready.Release();
        }

        return queued;
    }

    /// <summary>Waits until something may be waiting (or <paramref name="timeout"/> passes).</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _ready.WaitAsync(timeout, cancellationToken);

    /// <summary>The oldest envelope not yet acknowledged.</summary>
    public bool TryPeek(out string envelope)
    {
        lock (_gate)
        {
            return _queue.TryPeek(out envelope);
        }
    }

    /// <summary>The peer acknowledged what <see cref="TryPeek"/> returned.</summary>
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

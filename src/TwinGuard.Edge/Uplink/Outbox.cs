using System.Globalization;
using System.Text.Json;
using TwinGuard.Twins.Edge;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Edge.Uplink;

/// <summary>
/// What the edge owes its site, on disk until the site has acknowledged it: the site's SIEM forward queue
/// (<see cref="ForwardQueue"/>, bounded, at-least-once) holding <see cref="EdgeMessage"/> JSON, each with its own id.
/// </summary>
/// <remarks>
/// Ids are <c>RUN-N</c>: the run is the edge's start time in milliseconds (so a restart never reuses an id), N counts
/// from 1. A message the queue has no room for is counted in <see cref="Dropped"/> and logged by the caller: bounded
/// disk wins over completeness when the link stays down longer than the queue was sized for.
/// </remarks>
internal sealed class Outbox : IDisposable
{
    private readonly ForwardQueue _queue;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _ready = new(0);
    private readonly TimeProvider _time;
    private readonly string _run;
    private long _next;

    public Outbox(string directory, long maxBytes, TimeProvider time)
    {
        _queue = new ForwardQueue(directory, "uplink", maxBytes);
        _time = time;
        _run = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Messages waiting for the site.</summary>
    public long Depth
    {
        get
        {
            lock (_gate)
            {
                return _queue.Depth;
            }
        }
    }

    /// <summary>Messages refused because the queue was full.</summary>
    public long Dropped
    {
        get
        {
            lock (_gate)
            {
                return _queue.Dropped;
            }
        }
    }

    /// <summary>Messages the site acknowledged since start.</summary>
    public long Delivered
    {
        get
        {
            lock (_gate)
            {
                return _queue.Delivered;
            }
        }
    }

    /// <summary>Queues an accepted reading.</summary>
    public void EnqueueReading(AssetModel asset, ReadingMessage message, IReadOnlyList<SignalValue> accepted)
    {
        var values = new Dictionary<string, double>(accepted.Count, StringComparer.Ordinal);
        foreach (var (index, value) in accepted)
        {
            values[asset.Signals[index].Id] = value;
        }

        Enqueue("reading", m => m with { Reading = new EdgeReading(asset.Id, message.DeviceId, message.Sequence, message.Boot, message.TimestampMs, values) });
    }

    /// <summary>Queues a finding.</summary>
    public void EnqueueFinding(Finding finding) =>
        Enqueue("finding", m => m with
        {
            Finding = new EdgeFinding(finding.Time.ToUnixTimeMilliseconds(), finding.Reason.Name(), finding.Severity.ToString().ToLowerInvariant(),
                finding.AssetId, finding.SignalId, finding.DeviceId, finding.Value is { } v && double.IsFinite(v) ? v : null,
                double.IsFinite(finding.Score) ? finding.Score : 0, finding.Message, finding.RemoteAddress),
        });

    /// <summary>Queues an add-checkpoint request for the site's witness.</summary>
    public void EnqueueCheckpoint(string request) => Enqueue("checkpoint", m => m with { Checkpoint = request });

    /// <summary>Queues the news of a containment.</summary>
    public void EnqueueContainment(EdgeContainment containment) => Enqueue("containment", m => m with { Containment = containment });

    /// <summary>Waits until something may be waiting (or <paramref name="timeout"/> passes).</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _ready.WaitAsync(timeout, cancellationToken);

    /// <summary>The oldest message not yet acknowledged, as sent.</summary>
    public bool TryPeek(out string json)
    {
        lock (_gate)
        {
            return _queue.TryPeek(out json);
        }
    }

    /// <summary>The site acknowledged the message <see cref="TryPeek"/> returned.</summary>
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

    private void Enqueue(string kind, Func<EdgeMessage, EdgeMessage> fill)
    {
        bool queued;
        lock (_gate)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"{_run}-{++_next}");
            var message = fill(new EdgeMessage(id, kind, _time.GetUtcNow().ToUnixTimeMilliseconds()));
            queued = _queue.TryEnqueue(JsonSerializer.Serialize(message, EdgeJson.Default.EdgeMessage));
        }

        if (queued && _ready.CurrentCount == 0)
        {
            _ready.Release();
        }
    }
}

using System.Text.Json;
using TwinGuard.Twins.Edge;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Edge.Uplink;

/// <summary>
/// What the edge owes its site, on disk until the site has acknowledged it: <see cref="EdgeMessage"/> JSON, each with
/// its own id, in the shared <see cref="Twins.Uplink.Outbox"/> (bounded, at-least-once) that the <c>MqttUplink</c> drains.
/// </summary>
/// <remarks>A message the queue has no room for is counted in <see cref="Dropped"/> and logged by the caller.</remarks>
internal sealed class EdgeOutbox : IDisposable
{
    private readonly TimeProvider _time;

    public EdgeOutbox(string directory, long maxBytes, TimeProvider time)
    {
        Queue = new Twins.Uplink.Outbox(directory, "uplink", maxBytes, time);
        _time = time;
    }

    /// <summary>The queue on disk, as the uplink drains it.</summary>
    public Twins.Uplink.Outbox Queue { get; }

    /// <summary>Messages waiting for the site.</summary>
    public long Depth => Queue.Counts.Depth;

    /// <summary>Messages refused because the queue was full.</summary>
    public long Dropped => Queue.Counts.Dropped;

    /// <summary>Messages the site acknowledged since start.</summary>
    public long Delivered => Queue.Counts.Delivered;

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

    /// <inheritdoc />
    public void Dispose() => Queue.Dispose();

    private void Enqueue(string kind, Func<EdgeMessage, EdgeMessage> fill) =>
        Queue.TryEnqueue(JsonSerializer.Serialize(fill(new EdgeMessage(Queue.NextId(), kind, _time.GetUtcNow().ToUnixTimeMilliseconds())), EdgeJson.Default.EdgeMessage));
}

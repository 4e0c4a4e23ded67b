using System.Collections.Concurrent;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Modbus;

/// <summary>The twin side of the gate's seam (<see cref="ITwinInbox"/>): keeps what the gate let through.</summary>
internal sealed class RecordingInbox : ITwinInbox
{
    public ConcurrentQueue<(string Asset, ReadingMessage Message)> Delivered { get; } = new();

    public ValueTask DeliverAsync(AssetModel asset, ReadingMessage message)
    {
        Delivered.Enqueue((asset.Id, message));
        return ValueTask.CompletedTask;
    }
}

using System.Collections.Concurrent;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Gate;

/// <summary>An inbox that keeps what the gate delivered, in place of the twins.</summary>
internal sealed class CountingInbox : ITwinInbox
{
    public ConcurrentQueue<(string Asset, ReadingMessage Message)> Delivered { get; } = new();

    public ValueTask DeliverAsync(AssetModel asset, ReadingMessage message)
    {
        Delivered.Enqueue((asset.Id, message));
        return ValueTask.CompletedTask;
    }
}

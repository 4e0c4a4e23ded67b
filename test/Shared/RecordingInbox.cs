using System.Collections.Concurrent;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Testing;

/// <summary>The twin side of the gate's seam (<see cref="ITwinInbox"/>), in place of the twins: keeps what the gate let through.</summary>
/// <remarks>Shared by the test projects that drive a <see cref="ReadingGate"/> (linked from <c>test/Shared</c>).</remarks>
internal sealed class RecordingInbox : ITwinInbox
{
    public ConcurrentQueue<(string Asset, ReadingMessage Message)> Delivered { get; } = new();

    public ValueTask<Task<TwinVerdict>> DeliverAsync(AssetModel asset, ReadingMessage message, bool kept, bool alone = false)
    {
        Delivered.Enqueue((asset.Id, message));
        return ValueTask.FromResult(TwinVerdict.AcceptedTask);
    }
}

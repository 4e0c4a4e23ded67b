using System.Collections.Concurrent;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>The broker seam in memory: which devices are connected, and every request the respond stage made of it.</summary>
internal sealed class RecordingBroker : IBrokerEnforcement
{
    private readonly ConcurrentDictionary<string, string> _connected = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>When set, letting a device back in waits for it (after the request is recorded): a lift caught half-way.</summary>
    public Task? AllowGate { get; set; }

    public void Connect(string deviceId, string endpoint) => _connected[deviceId] = endpoint;

    public Task<IReadOnlyList<string>> EndpointsOfAsync(string deviceId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(_connected.TryGetValue(deviceId, out var endpoint) ? [endpoint] : []);

    public Task<int> DisconnectAsync(string deviceId, CancellationToken cancellationToken)
    {
        Requests.Enqueue("disconnect " + deviceId);
        return Task.FromResult(_connected.TryRemove(deviceId, out _) ? 1 : 0);
    }

    public Task DenyAsync(string deviceId, CancellationToken cancellationToken)
    {
        Requests.Enqueue("deny " + deviceId);
        return Task.CompletedTask;
    }

    public Task AllowAsync(string deviceId, CancellationToken cancellationToken)
    {
        Requests.Enqueue("allow " + deviceId);
        return AllowGate ?? Task.CompletedTask;
    }
}

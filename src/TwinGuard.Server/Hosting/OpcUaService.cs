using TwinGuard.Ingest.OpcUa.Subscriptions;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Hosting;

/// <summary>Runs one subscriber per OPC UA server of the plant model, each on its own loop.</summary>
/// <remarks>A server that does not answer delays no other; each subscriber reconnects with back-off on its own.</remarks>
internal sealed partial class OpcUaService(PlantModel plant, ReadingGate gate, EvidenceSink evidence, TimeProvider time, ILogger<OpcUaService> logger)
    : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<OpcUaSubscriber> _subscribers = [];
    private readonly List<Task> _loops = [];
    private bool _disposed;

    /// <summary>The running subscribers (the end-to-end tests read their counters).</summary>
    public IReadOnlyList<OpcUaSubscriber> Subscribers => _subscribers;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var device in plant.OpcUa.Devices)
        {
            var subscriber = new OpcUaSubscriber(device, gate, evidence, time);
            _subscribers.Add(subscriber);
            LogSubscribing(device.Id, device.Endpoint, device.Signals.Count);
            _loops.Add(Task.Run(() => RunAsync(subscriber, _stopping.Token), CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops);
        _loops.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return; // registered as itself and as a hosted service: the container disposes it once per registration
        }

        _disposed = true;
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    private static async Task RunAsync(OpcUaSubscriber subscriber, CancellationToken cancellationToken)
    {
        try
        {
            await subscriber.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscribing to OPC UA server '{Device}' at {Endpoint} ({Signals} signals)")]
    private partial void LogSubscribing(string device, string endpoint, int signals);
}

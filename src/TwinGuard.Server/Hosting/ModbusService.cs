using TwinGuard.Ingest.Modbus;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Hosting;

/// <summary>Runs one poller per Modbus device and one guard per device that has one.</summary>
/// <remarks>
/// A guard that cannot bind its port stops the host from starting (a guard that silently is not there would leave the
/// device open). Each poller runs on its own loop: a device that does not answer delays no other.
/// </remarks>
internal sealed partial class ModbusService(
    PlantModel plant, ReadingGate gate, QuarantineList quarantine, EvidenceSink evidence, ModbusMetrics metrics, TimeProvider time, ILogger<ModbusService> logger)
    : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<ModbusGuard> _guards = [];
    private readonly List<ModbusPoller> _pollers = [];
    private readonly List<Task> _loops = [];
    private bool _disposed;

    /// <summary>The running guards (the end-to-end tests and the benchmark find their ports here).</summary>
    public IReadOnlyList<ModbusGuard> Guards => _guards;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var device in plant.Modbus.Devices)
        {
            var writes = device.Guard is null ? null : new ModbusWriteLog();
            if (device.Guard is not null)
            {
                var guard = new ModbusGuard(device, quarantine, evidence, metrics, time, writes, gate.ObserveConnection, plant.Limits.ModbusFoldWindow);
                guard.Start();
                _guards.Add(guard);
                LogGuard(device.Id, guard.LocalEndpoint.ToString(), $"{device.Host}:{device.Port}");
            }

            var poller = new ModbusPoller(device, gate, evidence, metrics, time, writes);
            _pollers.Add(poller);
            _loops.Add(Task.Run(() => RunAsync(poller, _stopping.Token), CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops);
        foreach (var guard in _guards)
        {
            await guard.DisposeAsync();
        }

        foreach (var poller in _pollers)
        {
            await poller.DisposeAsync();
        }

        _guards.Clear();
        _pollers.Clear();
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

    private async Task RunAsync(ModbusPoller poller, CancellationToken cancellationToken)
    {
        try
        {
            await poller.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Modbus guard for '{Device}' listens on {Listen}, forwarding to {Target}")]
    private partial void LogGuard(string device, string listen, string target);
}

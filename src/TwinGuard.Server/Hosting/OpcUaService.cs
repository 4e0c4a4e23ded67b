using System.Security.Cryptography.X509Certificates;
using TwinGuard.Ingest.OpcUa.Client;
using TwinGuard.Ingest.OpcUa.Subscriptions;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Hosting;

/// <summary>Runs one subscriber per OPC UA server of the plant model, each on its own loop.</summary>
/// <remarks>A server that does not answer delays no other; each subscriber reconnects with back-off on its own.</remarks>
internal sealed partial class OpcUaService(HostSettings settings, ReadingGate gate, EvidenceSink evidence, TimeProvider time, ILogger<OpcUaService> logger)
    : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<OpcUaSubscriber> _subscribers = [];
    private readonly List<Task> _loops = [];
    private bool _disposed;

    /// <summary>The running subscribers (the end-to-end tests read their counters).</summary>
    public IReadOnlyList<OpcUaSubscriber> Subscribers => _subscribers;

    private X509Certificate2? _certificate;

    /// <summary>Where the client's application certificate is kept: a server that trusted it once keeps trusting it.</summary>
    public string CertificatePath => Path.Combine(settings.DataDirectory, "opcua", "client.pfx");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var devices = settings.Plant.OpcUa.Devices;
        if (devices.Any(d => d.SecurityMode != OpcUaSecurityMode.None))
        {
            _certificate = OpcUaClientCertificate.LoadOrCreate(CertificatePath, time);
            LogCertificate(CertificatePath, _certificate.Thumbprint);
        }

        foreach (var device in devices)
        {
            var subscriber = new OpcUaSubscriber(device, gate, evidence, time, _certificate);
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
        _certificate?.Dispose();
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

    [LoggerMessage(Level = LogLevel.Information, Message = "OPC UA client certificate {Path} (SHA-1 thumbprint {Thumbprint}): servers must trust it")]
    private partial void LogCertificate(string path, string thumbprint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscribing to OPC UA server '{Device}' at {Endpoint} ({Signals} signals)")]
    private partial void LogSubscribing(string device, string endpoint, int signals);
}

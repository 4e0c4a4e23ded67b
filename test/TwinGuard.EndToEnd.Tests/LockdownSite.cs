using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>A real serve host with playbooks, on a data directory the test owns (so that it can be restarted on it).</summary>
internal sealed class LockdownSite : IAsyncDisposable
{
    private LockdownSite(WebApplication app, HostSettings settings)
    {
        App = app;
        Settings = settings;
    }

    public WebApplication App { get; }

    public HostSettings Settings { get; }

    public int MqttPort => Settings.Broker.Port;

    public PipelineMetrics Metrics => App.Services.GetRequiredService<PipelineMetrics>();

    public QuarantineList Quarantine => App.Services.GetRequiredService<QuarantineList>();

    public ResponseEngine Engine => App.Services.GetRequiredService<ResponseEngine>();

    public static PlantModel Plant { get; } = PlantModelLoader.Load(ServedSite.SamplePlantPath);

    public static async Task<LockdownSite> StartAsync(string dataDirectory, ResponsePlan plan, int? mqttPort = null, ExternalBrokerOptions? external = null)
    {
        var settings = new HostSettings(
            Plant,
            dataDirectory,
            new BrokerOptions(IPAddress.Loopback, mqttPort ?? LoopbackPorts.Free()),
            $"http://127.0.0.1:{LoopbackPorts.Free()}",
            LoopbackPorts.Free(),
            LoopbackPorts.Free())
        {
            Response = plan,
            ExternalBroker = external,
        };
        var app = TwinGuardHost.Build(settings);
        await app.StartAsync();
        return new LockdownSite(app, settings);
    }

    /// <summary>Opens the site's response store as the CLI does (a second connection to the same database).</summary>
    public ResponseStore OpenStore() => ResponseStore.Open(Settings.DataDirectory);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

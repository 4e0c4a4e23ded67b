using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>A real <c>twinguard serve</c> host on free ports and a temporary data directory.</summary>
internal sealed class ServedSite : IAsyncDisposable
{
    private ServedSite(WebApplication app, HostSettings settings)
    {
        App = app;
        Settings = settings;
    }

    public WebApplication App { get; }

    public HostSettings Settings { get; }

    public int MqttPort => Settings.Broker.Port;

    public PipelineMetrics Metrics => App.Services.GetRequiredService<PipelineMetrics>();

    public static string SamplePlantPath => Path.Combine(RepositoryRoot(), "samples", "plant.yaml");

    public static async Task<ServedSite> StartAsync(PlantModel? plant = null, string? dataDirectory = null)
    {
        var dataDir = dataDirectory ?? Directory.CreateTempSubdirectory("twinguard-e2e-").FullName;
        var settings = new HostSettings(
            plant ?? PlantModelLoader.Load(SamplePlantPath),
            dataDir,
            new BrokerOptions(IPAddress.Loopback, LoopbackPorts.Free()),
            $"http://127.0.0.1:{LoopbackPorts.Free()}",
            LoopbackPorts.Free(),
            LoopbackPorts.Free());
        var app = TwinGuardHost.Build(settings);
        await app.StartAsync();
        return new ServedSite(app, settings);
    }

    /// <summary>Opens the site's database read-only, as the CLI does.</summary>
    public PlantStore OpenStore() => PlantStore.Open(Settings.DataDirectory, readOnly: true);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(); // idempotent: a test may already have stopped the site to read its ledger
        await App.DisposeAsync();
        try
        {
            Directory.Delete(Settings.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A data directory left behind in /tmp is harmless.
        }
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TwinGuard.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("TwinGuard.slnx not found above " + AppContext.BaseDirectory);
    }
}

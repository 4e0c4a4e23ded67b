using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// A real <c>twinguard serve</c> host on free ports, optionally with playbooks. A data directory the test passes stays
/// (so that the test can restart a site on it); one the site creates is deleted with it.
/// </summary>
internal sealed class ServedSite : IAsyncDisposable
{
    private readonly bool _ownsDataDirectory;

    private ServedSite(WebApplication app, HostSettings settings, bool ownsDataDirectory)
    {
        App = app;
        Settings = settings;
        _ownsDataDirectory = ownsDataDirectory;
    }

    public WebApplication App { get; }

    public HostSettings Settings { get; }

    public int MqttPort => Settings.Broker.Port;

    public PipelineMetrics Metrics => App.Services.GetRequiredService<PipelineMetrics>();

    public QuarantineList Quarantine => App.Services.GetRequiredService<QuarantineList>();

    public ResponseEngine Engine => App.Services.GetRequiredService<ResponseEngine>();

    public EmbeddedBroker Broker => App.Services.GetRequiredService<EmbeddedBroker>();

    public static string SamplePlantPath => Path.Combine(RepositoryRoot(), "samples", "plant.yaml");

    /// <summary>The sample plant, loaded once.</summary>
    public static PlantModel Plant { get; } = PlantModelLoader.Load(SamplePlantPath);

    public static async Task<ServedSite> StartAsync(
        PlantModel? plant = null, string? dataDirectory = null, ResponsePlan? plan = null, int? mqttPort = null, ExternalBrokerOptions? external = null,
        Ingest.Mqtt.PreLogin.PreLoginLimits? limits = null, string? plantFile = null)
    {
        plant ??= plantFile is null ? null : PlantModelLoader.Load(plantFile);
        var dataDir = dataDirectory ?? Directory.CreateTempSubdirectory("twinguard-e2e-").FullName;
        // Started again on new ports when another test process took one between being found free and being bound (a
        // port the test chose, mqttPort, is not changed).
        var (app, settings) = await LoopbackSite.StartAsync(() =>
        {
            var onPorts = LoopbackSite.Settings(plant ?? Plant, dataDir);
            return onPorts with
            {
                Broker = onPorts.Broker with { Port = mqttPort ?? onPorts.Broker.Port, Limits = limits ?? Ingest.Mqtt.PreLogin.PreLoginLimits.Default },
                Response = plan ?? ResponsePlan.Empty,
                ExternalBroker = external,
                PlantSource = plantFile, // watched and reloaded, as serve does with --config
            };
        });
        return new ServedSite(app, settings, ownsDataDirectory: dataDirectory is null);
    }

    /// <summary>Opens the site's database read-only, as the CLI does.</summary>
    public PlantStore OpenStore() => PlantStore.Open(Settings.DataDirectory, readOnly: true);

    /// <summary>Opens the site's response store as the CLI does (a second connection to the same database).</summary>
    public ResponseStore OpenResponseStore() => ResponseStore.Open(Settings.DataDirectory);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(); // idempotent: a test may already have stopped the site to read its ledger
        await App.DisposeAsync();
        if (!_ownsDataDirectory)
        {
            return;
        }

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

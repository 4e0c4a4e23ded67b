using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.EndToEnd.Tests.Network;

/// <summary>A served site whose sockets are those of its plant model's listeners, as <c>twinguard serve</c> opens them.</summary>
internal sealed class TlsSite : IAsyncDisposable
{
    private TlsSite(WebApplication app, HostSettings settings, string plantFile)
    {
        App = app;
        Settings = settings;
        PlantFile = plantFile;
    }

    public WebApplication App { get; }

    public HostSettings Settings { get; }

    public string PlantFile { get; }

    public PipelineMetrics Metrics => App.Services.GetRequiredService<PipelineMetrics>();

    public EmbeddedBroker Broker => App.Services.GetRequiredService<EmbeddedBroker>();

    /// <summary>Serves <paramref name="plantYaml"/>, whose listeners take port 0 or addresses no other process binds.</summary>
    public static Task<TlsSite> StartAsync(string plantYaml) => StartAsync(() => plantYaml);

    /// <summary>
    /// Serves the plant model <paramref name="plantYaml"/> writes, with a silo port from <see cref="LoopbackPorts"/>. Started
    /// again, the plant model written anew (ports it picked from <see cref="LoopbackPorts"/> picked again), when a port
    /// was taken by another process between being found free and being bound.
    /// </summary>
    public static async Task<TlsSite> StartAsync(Func<string> plantYaml)
    {
        var dataDir = Directory.CreateTempSubdirectory("twinguard-tls-").FullName;
        var plantFile = Path.Combine(dataDir, "plant.yaml");
        var (app, settings) = await LoopbackSite.StartAsync(() =>
        {
            File.WriteAllText(plantFile, plantYaml());
            var settings = HostSettings.ForSite(PlantModelLoader.Load(plantFile), dataDir, "http://127.0.0.1:0", BrokerOptions.DefaultPort) with { SiloPort = LoopbackPorts.Free() };
            // These tests are refused from one address several times on purpose, each for its own reason: the back-off after
            // failed logins (tested in PreLoginAbuseTests) would close the later attempts before they could say why.
            return settings with { Broker = settings.Broker with { Limits = settings.Broker.Limits with { FailuresBeforeBackOff = 1000 } } }; // the model's other limits stay
        });
        return new TlsSite(app, settings, plantFile);
    }

    public PlantStore OpenStore() => PlantStore.Open(Settings.DataDirectory, readOnly: true);

    /// <summary>The reason and detail of every stored refusal, oldest first.</summary>
    public IReadOnlyList<(string Reason, string Detail)> RefusalDetails()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Settings.DataDirectory, PlantStore.FileName)};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT reason, detail FROM refusals ORDER BY rowid";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            Directory.Delete(Settings.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left in /tmp: harmless.
        }
    }
}

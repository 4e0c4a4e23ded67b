using System.CommandLine;
using System.Net;
using Spectre.Console;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard serve --config plant.yaml</c>: runs the whole data path for one site until stopped.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "Plant model (YAML)", Required = true };
        var dataDir = CommonOptions.DataDir();
        var urls = new Option<string>("--urls") { Description = "Where the API and dashboard listen", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var mqttPort = new Option<int>("--mqtt-port") { Description = "Port of the embedded MQTT broker (127.0.0.1)", DefaultValueFactory = _ => BrokerOptions.DefaultPort };
        var networkLogs = new Option<string[]>("--network-log") { Description = "Suricata eve.json or Zeek conn.log to follow (repeatable)", AllowMultipleArgumentsPerToken = false };
        var limits = new Option<string[]>("--limit")
        {
            Description = "Override a limits:/retention: key of the plant model, e.g. limits.mqtt.max_connections=4096 or retention.refusals.max_age=30d (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var playbooks = PlaybookCommand.PlaybooksOption();
        var external = PlaybookCommand.ExternalBrokerOption();
        var ledger = new LedgerSigningOptions();
        var (externalCa, externalCertificate, externalKey) = PlaybookCommand.ExternalBrokerTlsOptions();
        var cluster = ClusterCommand.ClusterOption("Join a cluster as one of its silos (docs/cluster.md); alone on this machine by default");
        var command = new Command("serve", "Run TwinGuard for one site: broker, twins, detection, records, API")
        {
            config, dataDir, urls, mqttPort, networkLogs, limits, playbooks, external, externalCa, externalCertificate, externalKey, cluster,
        };
        foreach (var option in ledger.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            var plant = PlantModelLoader.WithSwitches(LoadPlant(parse.GetValue(config)!), parse.GetValue(limits) ?? []);
            ReportWeakPasswordHashes(plant, Console.Error);
            if (plant.Listeners is not null && (parse.GetResult(urls) is { Implicit: false } || parse.GetResult(mqttPort) is { Implicit: false }))
            {
                throw new CommandLineException("the plant model's listeners section names every socket; --urls and --mqtt-port apply only without it");
            }

            var settings = HostSettings.ForSite(plant, parse.GetValue(dataDir)!.FullName, parse.GetValue(urls)!, parse.GetValue(mqttPort)) with
            {
                PlantSource = parse.GetValue(config)!.FullName,
                NetworkLogs = parse.GetValue(networkLogs) ?? [],
                Response = PlaybookCommand.LoadPlan(parse.GetValue(playbooks), parse.GetValue(config)!, plant),
                PlaybooksSource = PlaybookCommand.PlaybooksPath(parse.GetValue(playbooks), parse.GetValue(config)!),
                ExternalBroker = PlaybookCommand.ParseExternalBroker(parse.GetValue(external), parse.GetValue(externalCa), parse.GetValue(externalCertificate), parse.GetValue(externalKey)),
                LedgerKey = ledger.Key(parse, parse.GetValue(dataDir)!.FullName),
                Witnesses = ledger.Witnesses(parse),
                Cluster = ClusterCommand.LoadCluster(parse.GetValue(cluster)),
            };
            settings = settings with { Persistence = settings.Cluster is { } c ? new TwinPersistence(c.SnapshotEvery, c.PersistenceEnabled) : settings.Persistence };
            await using var app = TwinGuardHost.Build(settings);
            await app.StartAsync(ct);
            var mqtt = string.Join(", ", app.Services.GetRequiredService<EmbeddedBroker>().BoundListeners.Select(b => $"{b.Listener.Protocol.ToString().ToLowerInvariant()} {b.EndPoint}"));
            AnsiConsole.MarkupLine($"[bold]TwinGuard[/] serving site [green]{Markup.Escape(plant.Site.Id)}[/]: MQTT on {Markup.Escape(mqtt.Length == 0 ? "(none)" : mqtt)}, API on {Markup.Escape(settings.Urls)}, data in {Markup.Escape(settings.DataDirectory)}");
            Access.FirstAdminKey.Announce(app.Services, settings, Console.Out);
            await LiveCounts.ShowUntilAsync(app.Services.GetRequiredService<PipelineMetrics>(), ct);
            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }

    /// <summary>Warns (on stderr) about password hashes made with fewer iterations than new ones get: still accepted.</summary>
    public static int ReportWeakPasswordHashes(PlantModel plant, TextWriter error)
    {
        var weak = MqttDevices(plant).Where(d => d.PasswordHash is { IsWeak: true }).ToList();
        foreach (var device in weak)
        {
            error.WriteLine($"warning: device '{device.Id}': weak password hash (PBKDF2-SHA256, {device.PasswordHash!.Iterations} iterations; new hashes use {PasswordHash.DefaultIterations}): make a new one with `twinguard hash-password`");
        }

        return weak.Count;
    }

    /// <summary>The devices of the <c>devices:</c> section: Modbus devices and guard clients have no MQTT credential to speak of.</summary>
    public static IEnumerable<DeviceModel> MqttDevices(PlantModel plant)
    {
        var modbus = plant.Modbus.Devices.Select(d => d.Id).Concat(plant.Modbus.Clients.Select(c => c.Id)).ToHashSet(StringComparer.Ordinal);
        return plant.Devices.Where(d => !modbus.Contains(d.Id));
    }

    /// <summary>Loads a plant model, turning a missing file into a one-line error.</summary>
    public static PlantModel LoadPlant(FileInfo file) =>
        file.Exists ? PlantModelLoader.Load(file.FullName) : throw new CommandLineException($"plant model not found: {file.FullName}");
}

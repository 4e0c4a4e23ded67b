using System.CommandLine;
using System.Net;
using Spectre.Console;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

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
        var playbooks = PlaybookCommand.PlaybooksOption();
        var external = PlaybookCommand.ExternalBrokerOption();
        var ledger = new LedgerSigningOptions();
        var command = new Command("serve", "Run TwinGuard for one site: broker, twins, detection, records, API") { config, dataDir, urls, mqttPort, networkLogs, playbooks, external };
        foreach (var option in ledger.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            var plant = LoadPlant(parse.GetValue(config)!);
            var settings = new HostSettings(
                plant,
                parse.GetValue(dataDir)!.FullName,
                new BrokerOptions(IPAddress.Loopback, parse.GetValue(mqttPort)),
                parse.GetValue(urls)!)
            {
                PlantSource = parse.GetValue(config)!.FullName,
                NetworkLogs = parse.GetValue(networkLogs) ?? [],
                Response = PlaybookCommand.LoadPlan(parse.GetValue(playbooks), parse.GetValue(config)!, plant),
                PlaybooksSource = PlaybookCommand.PlaybooksPath(parse.GetValue(playbooks), parse.GetValue(config)!),
                ExternalBroker = PlaybookCommand.ParseExternalBroker(parse.GetValue(external)),
                LedgerKey = ledger.Key(parse, parse.GetValue(dataDir)!.FullName),
                Witnesses = ledger.Witnesses(parse),
            };
            await using var app = TwinGuardHost.Build(settings);
            await app.StartAsync(ct);
            AnsiConsole.MarkupLine($"[bold]TwinGuard[/] serving site [green]{Markup.Escape(plant.Site.Id)}[/]: MQTT on {settings.Broker.Address}:{settings.Broker.Port}, API on {Markup.Escape(settings.Urls)}, data in {Markup.Escape(settings.DataDirectory)}");
            Access.FirstAdminKey.Announce(app.Services, settings, Console.Out);
            await LiveCounts.ShowUntilAsync(app.Services.GetRequiredService<PipelineMetrics>(), ct);
            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }

    /// <summary>Loads a plant model, turning a missing file into a one-line error.</summary>
    public static PlantModel LoadPlant(FileInfo file) =>
        file.Exists ? PlantModelLoader.Load(file.FullName) : throw new CommandLineException($"plant model not found: {file.FullName}");
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Orleans.Configuration;
using Spectre.Console;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard cluster status --cluster cluster.yaml [--config plant.yaml]</c>: the silos of a cluster, their load and their twins.</summary>
/// <remarks>
/// Joins the cluster as an Orleans client (through the same Redis membership the silos use, to any silo's gateway) and
/// asks Orleans' management grain: the membership table, each silo's runtime statistics and its activations by type.
/// </remarks>
internal static class ClusterCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create() => new("cluster", "A TwinGuard cluster (docs/cluster.md)") { Status() };

    /// <summary><c>--cluster FILE</c>: the cluster file (membership store, this silo's address and ports).</summary>
    public static Option<FileInfo?> ClusterOption(string description) => new("--cluster") { Description = description };

    /// <summary>Loads the cluster file when one was given, turning a missing file into a one-line error.</summary>
    public static ClusterModel? LoadCluster(FileInfo? file) => file is null ? null
        : file.Exists ? ClusterModelLoader.Load(file.FullName) : throw new CommandLineException($"cluster file not found: {file.FullName}");

    private static Command Status()
    {
        var file = new Option<FileInfo>("--cluster") { Description = "The cluster file the silos were started with", Required = true };
        var config = new Option<FileInfo?>("--config")
        {
            Description = "The plant model the silos were started with: its tls.silo (mutual TLS between silos and clients) is used to connect",
        };
        var json = CommonOptions.Json();
        var command = new Command("status", "Silos, their load and twins per silo") { file, config, json };
        command.SetAction(async (parse, ct) =>
        {
            var cluster = LoadCluster(parse.GetValue(file))!;
            var tls = parse.GetValue(config) is { } plant
                ? plant.Exists ? PlantModelLoader.Load(plant.FullName).Tls : throw new CommandLineException($"plant model not found: {plant.FullName}")
                : null;
            var status = await QueryAsync(cluster, ct, tls);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(status, JsonOptions));
                return 0;
            }

            var table = new Table().AddColumns("silo", "name", "status", "twins", "relations", "activations", "cpu %", "memory MB", "received", "sent");
            foreach (var silo in status.Silos)
            {
                table.AddRow(
                    Markup.Escape(silo.Address), Markup.Escape(silo.Name), silo.Status,
                    Text(silo.Twins), Text(silo.Relations), Text(silo.Activations),
                    silo.CpuPercent is { } cpu ? cpu.ToString("F0", CultureInfo.InvariantCulture) : "-",
                    silo.MemoryMb is { } mb ? mb.ToString("F0", CultureInfo.InvariantCulture) : "-",
                    Text(silo.ReceivedMessages), Text(silo.SentMessages));
            }

            AnsiConsole.MarkupLine($"cluster [green]{Markup.Escape(status.ClusterId)}[/]: {status.Silos.Count(s => s.Status == "Active")} active silo(s), {status.Silos.Sum(s => s.Twins)} twin(s)");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Asks a running cluster for its status; with <paramref name="tls"/>'s <c>silo</c> section, over mutual TLS as the silos use it.</summary>
    public static async Task<ClusterStatus> QueryAsync(ClusterModel cluster, CancellationToken ct, TlsSettings? tls = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
            client.UseRedisClustering(cluster.MembershipRedis);
            Hosting.SiloTls.Configure(client, tls, TimeProvider.System); // nothing without tls.silo
        });
        using var host = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await host.StartAsync(timeout.Token);
            var status = await ClusterStatusReader.ReadAsync(host.Services.GetRequiredService<IClusterClient>(), cluster.ClusterId);
            await host.StopAsync(CancellationToken.None);
            return status;
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or OrleansException)
        {
            // Also while a silo has died and is not yet declared dead: calls routed to it are rejected.
            throw new CommandLineException($"cluster '{cluster.ClusterId}' did not answer through {cluster.MembershipRedis}: {ex.Message}");
        }
    }
}

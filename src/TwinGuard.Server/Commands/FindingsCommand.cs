using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard findings</c> and <c>twinguard incidents</c>: what the pipeline recorded, newest first, from a data
/// directory or (<c>--cluster</c>) the cluster's records store.
/// </summary>
internal static class FindingsCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command CreateFindings()
    {
        var (stores, json, limit) = (StoreOptions.Create(), CommonOptions.Json(), Limit());
        var command = new Command("findings", "List recorded findings, newest first") { stores.DataDir, stores.Cluster, json, limit };
        command.SetAction(parse =>
        {
            using var store = stores.OpenRecords(parse);
            var findings = store.Findings(parse.GetValue(limit));
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(findings, JsonOptions));
                return 0;
            }

            var table = new Table().AddColumns("id", "time (UTC)", "reason", "severity", "asset", "signal", "device", "x", "incident", "message");
            foreach (var f in findings)
            {
                table.AddRow(Cells(f.Id, f.Time.ToString("HH:mm:ss.fff"), f.Reason, f.Severity, f.AssetId, f.SignalId, f.DeviceId, f.Occurrences, f.IncidentId, f.Message));
            }

            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    public static Command CreateIncidents()
    {
        var (stores, json, limit) = (StoreOptions.Create(), CommonOptions.Json(), Limit());
        var command = new Command("incidents", "List incidents, newest first") { stores.DataDir, stores.Cluster, json, limit };
        command.SetAction(parse =>
        {
            using var store = stores.OpenRecords(parse);
            var incidents = store.Incidents(parse.GetValue(limit));
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(incidents, JsonOptions));
                return 0;
            }

            var table = new Table().AddColumns("id", "opened (UTC)", "scope", "severity", "findings", "rule", "reasons", "status", "title");
            foreach (var i in incidents)
            {
                table.AddRow(Cells(i.Id, i.Opened.ToString("HH:mm:ss.fff"), i.Scope, i.Severity, i.FindingCount, i.Rule, string.Join(",", i.Reasons), i.Status, i.Title));
            }

            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static Option<int> Limit() => new("--limit") { Description = "How many, newest first", DefaultValueFactory = _ => 100 };

    private static string[] Cells(params object?[] values) =>
        values.Select(v => Markup.Escape(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "-")).ToArray();
}

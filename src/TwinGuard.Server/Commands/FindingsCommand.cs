using System.CommandLine;
using System.Globalization;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard findings</c> and <c>twinguard incidents</c>: what the pipeline recorded, newest first, from a data
/// directory or (<c>--cluster</c>) the cluster's records store.
/// </summary>
internal static class FindingsCommand
{
    public static Command CreateFindings()
    {
        var (stores, json, limit) = (StoreOptions.Create(), CommonOptions.Json(), Limit());
        var command = new Command("findings", "List recorded findings, newest first") { stores.DataDir, stores.Cluster, json, limit };
        command.SetAction(parse =>
        {
            using var store = stores.OpenRecords(parse);
            return Listing.Print(parse.GetValue(json), store.Findings(parse.GetValue(limit)),
                ["id", "time (UTC)", "reason", "severity", "asset", "signal", "device", "x", "incident", "message"],
                f => [f.Id, f.Time.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture), f.Reason, f.Severity, f.AssetId, f.SignalId, f.DeviceId, f.Occurrences, f.IncidentId, f.Message]);
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
            return Listing.Print(parse.GetValue(json), store.Incidents(parse.GetValue(limit)),
                ["id", "opened (UTC)", "scope", "severity", "findings", "rule", "reasons", "status", "title"],
                i => [i.Id, i.Opened.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture), i.Scope, i.Severity, i.FindingCount, i.Rule, string.Join(",", i.Reasons), i.Status, i.Title]);
        });
        return command;
    }

    private static Option<int> Limit() => new("--limit") { Description = "How many, newest first", DefaultValueFactory = _ => 100 };
}

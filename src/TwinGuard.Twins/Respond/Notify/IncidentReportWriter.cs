using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Respond;

/// <summary>Writes an incident report as Markdown (for people) and JSON (for tools) under <c>DATA/reports/</c>.</summary>
/// <remarks>
/// Sections: summary, timeline, evidence (findings and their explanations), actions taken and by whom, affected
/// components, and how to release each containment still in force.
/// </remarks>
public sealed class IncidentReportWriter(string dataDirectory)
{
    /// <summary>Where reports go.</summary>
    public string Directory { get; } = Path.Combine(dataDirectory, "reports");

    /// <summary>Writes both files; returns their paths.</summary>
    public async Task<(string Markdown, string Json)> WriteAsync(IncidentAlert alert, IReadOnlyList<QuarantineEntry> containments, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var id = alert.Context.Incident.Id.ToString(CultureInfo.InvariantCulture);
        var md = Path.Combine(Directory, $"incident-{id}.md");
        var json = Path.Combine(Directory, $"incident-{id}.json");
        await File.WriteAllTextAsync(md, Markdown(alert, containments), cancellationToken);
        await File.WriteAllTextAsync(json, Json(alert, containments), cancellationToken);
        return (md, json);
    }

    /// <summary>Appends a release to the incident's Markdown report, when there is one, so the report says what still holds.</summary>
    public async Task AppendReleaseAsync(QuarantineEntry entry, DateTimeOffset time, CancellationToken cancellationToken)
    {
        if (entry.IncidentId is not { } incident)
        {
            return;
        }

        var md = Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"incident-{incident}.md"));
        if (!File.Exists(md))
        {
            return;
        }

        var text = await File.ReadAllTextAsync(md, cancellationToken);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"- {Time(time)}: quarantine {entry.Id} ({ResponseStore.Name(entry.Kind)} `{entry.Target}`) released by {Cell(entry.ReleasedBy ?? "unknown")}: {Cell(entry.ReleaseReason ?? "-")}\n");
        await File.AppendAllTextAsync(md, (text.Contains("\n## Releases\n", StringComparison.Ordinal) ? string.Empty : "\n## Releases\n\n") + line, cancellationToken);
    }

    /// <summary>The Markdown report.</summary>
    public static string Markdown(IncidentAlert alert, IReadOnlyList<QuarantineEntry> containments)
    {
        var i = alert.Context.Incident;
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"# Incident {i.Id}: {i.Title}\n\n");
        b.Append(CultureInfo.InvariantCulture, $"- Site: {alert.Site}\n- Opened: {Time(i.Opened)}\n- Severity: {i.Severity.ToString().ToLowerInvariant()}\n");
        b.Append(CultureInfo.InvariantCulture, $"- Scope: {i.Scope} (rule {i.Rule})\n- Reasons: {string.Join(", ", i.Reasons.Select(r => r.Name()))}\n");
        var techniques = AttackMapping.Default.For(i.AllReasons);
        if (techniques.Count > 0)
        {
            b.Append("- MITRE ATT&CK for ICS: ")
                .AppendJoin("; ", techniques.Select(t => $"{t.Id} {t.Name} ({string.Join(", ", t.Tactics.Select(x => x.Name))})"))
                .Append('\n');
        }

        b.Append(CultureInfo.InvariantCulture, $"- Playbook: {alert.Playbook}\n- Report written: {Time(alert.Time)}\n\n");

        if (i.Stages.Count > 1)
        {
            // One intrusion, one incident: every stage with its ATT&CK techniques, this report written for the last.
            b.Append(CultureInfo.InvariantCulture, $"## Stages\n\nThis report was written for stage {i.Stage} of {i.Stages.Count}.\n\n");
            b.Append("| stage | time (UTC) | seen | scope | device | rule | ATT&CK for ICS | linked by |\n|---|---|---|---|---|---|---|---|\n");
            foreach (var stage in i.Stages)
            {
                b.Append(CultureInfo.InvariantCulture,
                    $"| {stage.Number} | {Time(stage.Time)} | {(stage.Occurrences > 1 ? $"{stage.Occurrences} times, last {Time(stage.LastSeen)}" : "once")} | {Cell(stage.Scope)} | {Cell(stage.DeviceId ?? "-")} | {Cell(stage.Rule)} | {string.Join(", ", stage.Attack.Select(t => t.Id))} | {Cell(stage.Link ?? "-")} |\n");
            }

            b.Append('\n');
        }

        b.Append("## Timeline\n\n| time (UTC) | event |\n|---|---|\n");
        foreach (var (time, text) in Timeline(alert))
        {
            b.Append(CultureInfo.InvariantCulture, $"| {Time(time)} | {Cell(text)} |\n");
        }

        if (i.LedgerEntries.Count > 0)
        {
            // Issue 5: a report cites the ledger entries behind it, so that anyone can prove it offline.
            b.Append(CultureInfo.InvariantCulture,
                $"\n## Ledger\n\nThe incident is ledger entry {i.LedgerEntries[0]}; its opening findings are entries {string.Join(", ", i.LedgerEntries.Skip(1))}. ");
            b.Append(CultureInfo.InvariantCulture,
                $"Prove any of them offline with `twinguard ledger prove --data-dir DATA --entry N` and check with `twinguard ledger verify`.\n");
        }

        b.Append("\n## Evidence\n\n| time (UTC) | reason | severity | asset.signal | device | value | score | message | explanation |\n|---|---|---|---|---|---|---|---|---|\n");
        foreach (var f in alert.Context.Findings)
        {
            b.Append(CultureInfo.InvariantCulture,
                $"| {Time(f.Time)} | {f.Reason.Name()} | {f.Severity.ToString().ToLowerInvariant()} | {Cell(f.AssetId ?? "-")}.{Cell(f.SignalId ?? "-")} | {Cell(f.DeviceId ?? "-")} | {f.Value?.ToString("G6", CultureInfo.InvariantCulture) ?? "-"} | {f.Score.ToString("0.##", CultureInfo.InvariantCulture)} | {Cell(f.Message)} | {Cell(f.Explanation ?? "-")} |\n");
        }

        b.Append("\n## Actions\n\n| time (UTC) | action | target | outcome | by | detail |\n|---|---|---|---|---|---|\n");
        foreach (var a in alert.Actions)
        {
            b.Append(CultureInfo.InvariantCulture,
                $"| {Time(a.Time)} | {Cell(a.Action)} | {Cell(a.Target)} | {ResponseStore.Name(a.Outcome)} | {Cell(a.By)} | {Cell(a.Detail)} |\n");
        }

        b.Append("\n## Affected components\n\n");
        foreach (var line in Affected(alert))
        {
            b.Append("- ").Append(line).Append('\n');
        }

        b.Append("\n## How to release\n\n");
        var active = containments.Where(c => c.IsActive).ToList();
        if (active.Count == 0)
        {
            b.Append("Nothing is held for this incident.\n");
        }

        foreach (var c in active)
        {
            b.Append(CultureInfo.InvariantCulture,
                $"- {ResponseStore.Name(c.Kind)} `{c.Target}` (quarantine {c.Id}{(c.Expires is { } e ? $", expires {Time(e)}" : string.Empty)}): `{ReleaseCommand(c)}`\n");
        }

        return b.ToString();
    }

    /// <summary>The JSON report.</summary>
    public static string Json(IncidentAlert alert, IReadOnlyList<QuarantineEntry> containments)
    {
        var doc = AlertJson.Incident(alert);
        doc["site"] = alert.Site;
        doc["playbook"] = alert.Playbook;
        doc["written"] = alert.Time;
        doc["timeline"] = new JsonArray(Timeline(alert).Select(t => (JsonNode)new JsonObject { ["time"] = t.Time, ["event"] = t.Text }).ToArray());
        doc["ledger_entries"] = new JsonArray(alert.Context.Incident.LedgerEntries.Select(e => (JsonNode)JsonValue.Create(e)).ToArray());
        doc["affected"] = new JsonArray(Affected(alert).Select(a => (JsonNode)JsonValue.Create(a)).ToArray());
        doc["release"] = new JsonArray(containments.Where(c => c.IsActive).Select(c => (JsonNode)new JsonObject
        {
            ["quarantine_id"] = c.Id,
            ["kind"] = ResponseStore.Name(c.Kind),
            ["target"] = c.Target,
            ["expires"] = c.Expires,
            ["command"] = ReleaseCommand(c),
        }).ToArray());
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The CLI command that releases a containment.</summary>
    public static string ReleaseCommand(QuarantineEntry entry) =>
        string.Create(CultureInfo.InvariantCulture, $"twinguard quarantine release {entry.Id} --who NAME --why \"REASON\"");

    private static List<(DateTimeOffset Time, string Text)> Timeline(IncidentAlert alert)
    {
        var i = alert.Context.Incident;
        var events = alert.Context.Findings
            .Select(f => (f.Time, $"finding {f.Reason.Name()} ({f.Severity.ToString().ToLowerInvariant()}): {f.Message}"))
            .Concat(i.Stages.Count > 1
                ? i.Stages.Select(s => (s.Time, s.Number == 1
                    ? $"incident {i.Id} opened by rule {s.Rule} on {s.Scope} [ATT&CK {string.Join(", ", s.Attack.Select(t => t.Id))}]"
                    : $"stage {s.Number} on {s.Scope} by rule {s.Rule}, linked by {s.Link} [ATT&CK {string.Join(", ", s.Attack.Select(t => t.Id))}]"))
                : [(i.Opened, $"incident {i.Id} opened by rule {i.Rule}")])
            .Concat(alert.Actions.Select(a => (a.Time, $"{a.Action} {a.Target}: {ResponseStore.Name(a.Outcome)} by {a.By}")))
            .ToList();
        return [.. events.OrderBy(e => e.Item1)];
    }

    private static List<string> Affected(IncidentAlert alert)
    {
        var i = alert.Context.Incident;
        var list = new List<string>();
        if (i.AssetId is { } asset)
        {
            list.Add($"asset {asset}");
        }

        if (i.DeviceId is { } device)
        {
            list.Add($"device {device}");
        }

        list.AddRange(alert.Context.Signals.Select(s => $"signal {s}"));
        list.AddRange(alert.Context.Addresses.Select(a => $"address {a}"));
        return list;
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ');
}

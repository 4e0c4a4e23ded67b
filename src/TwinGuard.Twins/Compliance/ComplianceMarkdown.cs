using System.Globalization;
using System.Text;

namespace TwinGuard.Twins.Compliance;

/// <summary>A report as Markdown (<c>--format md</c>): the status table, what is not met, and the cited entries.</summary>
public static class ComplianceMarkdown
{
    /// <summary>The report as Markdown.</summary>
    public static string Write(ComplianceReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var r = report;
        var m = new StringBuilder();
        m.Append("# Compliance report: ").AppendLine(r.Catalogue.Title).AppendLine();
        if (r.TargetLevel is { } sl)
        {
            m.Append(CultureInfo.InvariantCulture, $"- Target security level: SL {sl}").AppendLine();
        }

        m.Append(CultureInfo.InvariantCulture, $"- Period: {r.Ledger.Period} ({r.Ledger.EntriesInPeriod} entries)").AppendLine();
        m.Append(CultureInfo.InvariantCulture, $"- Ledger: {r.Verification.TreeSize} entries, {(r.Verification.Ok ? "verified" : "DOES NOT VERIFY")}; {r.Verification.Scope}").AppendLine();
        m.Append(CultureInfo.InvariantCulture, $"- Signed checkpoint: {r.Checkpoint.TreeSize} entries, root `{Convert.ToHexStringLower(r.Checkpoint.RootHash)}`").AppendLine();
        m.Append("- Summary: ").AppendJoin(", ", Enum.GetValues<ControlStatus>().Select(s => $"{r.Count(s)} {s.Text()}")).AppendLine().AppendLine();

        m.AppendLine("## Not met").AppendLine();
        var notMet = r.Controls.Where(c => c.Status == ControlStatus.NotMet).ToList();
        if (notMet.Count == 0)
        {
            m.AppendLine("None.");
        }

        foreach (var c in notMet)
        {
            m.Append(CultureInfo.InvariantCulture, $"- **{c.Control.Id}** {c.Control.Title}: {Cell(c.Reason)}").AppendLine();
        }

        m.AppendLine().AppendLine("## Requirements").AppendLine();
        m.AppendLine(r.TargetLevel is null ? "| id | title | status | why | entries | gap |" : "| id | title | SL | status | why | entries | gap |");
        m.AppendLine(r.TargetLevel is null ? "|---|---|---|---|---|---|" : "|---|---|---|---|---|---|---|");
        foreach (var c in r.Controls)
        {
            var why = c.Status == ControlStatus.Met || c.Evidence.Count == 0 ? c.Reason : string.Join("; ", c.Evidence.Select(e => $"{e.Result.Status.Text()}: {e.Result.Summary}"));
            m.Append(CultureInfo.InvariantCulture, $"| {c.Control.Id} | {Cell(c.Control.Title)} |");
            if (r.TargetLevel is not null)
            {
                m.Append(CultureInfo.InvariantCulture, $" {c.Control.Level} |");
            }

            m.Append(CultureInfo.InvariantCulture, $" {c.Status.Text()} | {Cell(why)} | {string.Join(", ", c.Entries)} | {Cell(c.Control.Gap ?? string.Empty)} |").AppendLine();
        }

        m.AppendLine().AppendLine("## Cited ledger entries").AppendLine();
        m.AppendLine("| entry | kind | time | records | leaf hash |").AppendLine("|---|---|---|---|---|");
        foreach (var c in r.Citations)
        {
            m.Append(CultureInfo.InvariantCulture, $"| {c.Entry.Index} | {Ledger.LedgerJson.KindName(c.Entry.Kind)} | {c.Entry.Timestamp:u} | {Cell(c.Summary)} | `{Convert.ToHexStringLower(c.Entry.ComputeLeafHash())}` |").AppendLine();
        }

        return m.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}

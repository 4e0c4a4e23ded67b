using System.Globalization;
using System.Net;
using System.Text;

namespace TwinGuard.Twins.Compliance;

/// <summary>
/// A report as one self-contained HTML file (<c>--format html</c>): the status table, the gaps, charts drawn as inline
/// SVG and every cited entry with its proof; no script and nothing fetched, so it reads offline and prints.
/// </summary>
public static class ComplianceHtml
{
    private const string Style = """
        body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
        h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}
        table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
        th{background:#f3f3f3}.status{font-weight:600;white-space:nowrap;padding:1px 6px;border-radius:3px}
        .met{background:#d5f5e3}.partly-met{background:#fcf3cf}.not-met{background:#f5b7b1}.outside-scope{background:#e5e7e9}
        .meta td:first-child{width:14em;font-weight:600}.small{font-size:12px;color:#555}code,.hash{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
        .charts{display:flex;flex-wrap:wrap;gap:1em}.charts figure{margin:0}.charts figcaption{font-weight:600}
        @media print{body{margin:0;max-width:none}h2{page-break-after:avoid}tr,figure{page-break-inside:avoid}a{color:inherit;text-decoration:none}}
        """;

    /// <summary>The report as HTML.</summary>
    public static string Write(ComplianceReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var h = new StringBuilder();
        var r = report;
        h.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(E($"TwinGuard compliance report: {r.Catalogue.Title}")).Append("</title><style>").Append(Style).Append("</style></head><body>");
        h.Append("<h1>Compliance report: ").Append(E(r.Catalogue.Title)).Append("</h1>");
        h.Append("<p class=\"small\">Made by TwinGuard from its tamper-evident ledger. Every entry cited below carries an RFC 6962 inclusion proof against the signed checkpoint; check them with <code>twinguard compliance verify REPORT.json --public-key KEY</code> or the independent Python verifier (docs/compliance.md).</p>");

        h.Append("<table class=\"meta\">");
        Row(h, "Standard", $"{r.Catalogue.Title} ({r.Catalogue.Standard}, catalogue sha256 {r.Catalogue.Sha256[..16]}...)");
        if (r.TargetLevel is { } sl)
        {
            Row(h, "Target security level", $"SL {sl} (requirements up to SL {sl})");
        }

        Row(h, "Period", r.Ledger.Period + (r.Ledger.Span is { } span ? $" (entries from {span.First:u} to {span.Last:u})" : " (no entries)"));
        Row(h, "Generated", r.Generated.ToString("u", CultureInfo.InvariantCulture));
        Row(h, "Ledger", $"{r.Verification.TreeSize} entries, {(r.Verification.Ok ? "verified" : "DOES NOT VERIFY: " + r.Verification.Problem)}; {r.Verification.Scope}");
        Row(h, "Signed checkpoint", $"{r.Checkpoint.TreeSize} entries, root {Convert.ToHexStringLower(r.Checkpoint.RootHash)}, origin {r.Origin}");
        Row(h, "Plant model", r.Plant.Recorded is { } p ? $"{p.Source}, sha256 {p.Sha256} (entry {p.Index}){(r.Plant.Model is null ? "; NOT MATCHED: " + r.Plant.Problem : ", matched")}" : "none recorded");
        Row(h, "Summary", string.Join(", ", Enum.GetValues<ControlStatus>().Select(s => $"{r.Count(s)} {s.Text()}")));
        h.Append("</table>");

        var notMet = r.Controls.Where(c => c.Status == ControlStatus.NotMet).ToList();
        h.Append("<h2>Not met</h2>");
        if (notMet.Count == 0)
        {
            h.Append("<p>None.</p>");
        }
        else
        {
            h.Append("<ul id=\"not-met\">");
            foreach (var c in notMet)
            {
                h.Append("<li><a href=\"#").Append(Anchor(c.Control.Id)).Append("\">").Append(E(c.Control.Id)).Append("</a> ").Append(E(c.Control.Title)).Append(": ").Append(E(c.Reason)).Append("</li>");
            }

            h.Append("</ul>");
        }

        Charts(h, ReportCharts.From(r.Ledger));
        Controls(h, r);
        Citations(h, r);
        h.Append("</body></html>");
        return h.ToString();
    }

    private static void Charts(StringBuilder h, ReportCharts charts)
    {
        h.Append("<h2>Findings, incidents and response</h2><div class=\"charts\">");
        foreach (var (caption, svg) in new[]
                 {
                     ("Findings over time", SvgCharts.FindingsOverTime(charts)),
                     ("Incidents over time", SvgCharts.IncidentsOverTime(charts)),
                     ("Time to contain", SvgCharts.TimeToContain(charts)),
                     ("Refusals by reason", SvgCharts.Refusals(charts)),
                     ("Findings per asset", SvgCharts.PerAsset(charts)),
                 })
        {
            h.Append("<figure><figcaption>").Append(caption).Append("</figcaption>").Append(svg).Append("</figure>");
        }

        h.Append("</div>");
    }

    private static void Controls(StringBuilder h, ComplianceReport r)
    {
        h.Append("<h2>Requirements</h2><table id=\"controls\"><thead><tr><th>id</th><th>title</th>");
        if (r.TargetLevel is not null)
        {
            h.Append("<th>SL</th>");
        }

        h.Append("<th>status</th><th>why, and the evidence</th><th>gap to close elsewhere</th></tr></thead><tbody>");
        foreach (var c in r.Controls)
        {
            h.Append("<tr id=\"").Append(Anchor(c.Control.Id)).Append("\" data-status=\"").Append(c.Status.Name()).Append("\"><td>").Append(E(c.Control.Id)).Append("</td><td>").Append(E(c.Control.Title)).Append("</td>");
            if (r.TargetLevel is not null)
            {
                h.Append("<td>").Append(c.Control.Level).Append("</td>");
            }

            h.Append("<td><span class=\"status ").Append(c.Status.Name()).Append("\">").Append(E(c.Status.Text())).Append("</span></td><td>").Append(E(c.Reason));
            if (c.Evidence.Count > 0)
            {
                h.Append("<ul>");
                foreach (var e in c.Evidence)
                {
                    h.Append("<li><span class=\"status ").Append(e.Result.Status.Name()).Append("\">").Append(E(e.Result.Status.Text())).Append("</span> ")
                        .Append(E(e.Result.Summary));
                    if (e.Result.Values.Count > 0)
                    {
                        h.Append(" <span class=\"small\">(").Append(E(string.Join("; ", e.Result.Values.Select(v => $"{v.Key}: {v.Value}")))).Append(")</span>");
                    }

                    if (e.Result.Entries.Count > 0)
                    {
                        h.Append(" entries ");
                        h.AppendJoin(", ", e.Result.Entries.Select(i => $"<a href=\"#entry-{i}\">{i}</a>"));
                    }

                    h.Append("</li>");
                }

                h.Append("</ul>");
            }

            h.Append("</td><td>").Append(E(c.Control.Gap ?? string.Empty)).Append("</td></tr>");
        }

        h.Append("</tbody></table>");
    }

    private static void Citations(StringBuilder h, ComplianceReport r)
    {
        h.Append("<h2>Cited ledger entries</h2><p class=\"small\">Each entry's leaf hash is SHA-256(0x00 || record header || payload) (docs/ledger-format.md); its audit path leads to the root of the signed checkpoint of ")
            .Append(r.Checkpoint.TreeSize).Append(" entries. The JSON report holds each payload and path whole.</p>");
        h.Append("<table id=\"citations\"><thead><tr><th>entry</th><th>kind</th><th>time</th><th>records</th><th>leaf hash</th><th>path</th></tr></thead><tbody>");
        foreach (var c in r.Citations)
        {
            h.Append("<tr id=\"entry-").Append(c.Entry.Index).Append("\"><td>").Append(c.Entry.Index).Append("</td><td>").Append(E(Ledger.LedgerJson.KindName(c.Entry.Kind)))
                .Append("</td><td>").Append(c.Entry.Timestamp.ToString("u", CultureInfo.InvariantCulture)).Append("</td><td>").Append(E(c.Summary))
                .Append("</td><td class=\"hash\">").Append(Convert.ToHexStringLower(c.Entry.ComputeLeafHash())).Append("</td><td>").Append(c.Proof.Path.Count).Append(" hashes</td></tr>");
        }

        h.Append("</tbody></table>");
    }

    private static void Row(StringBuilder h, string name, string value) =>
        h.Append("<tr><td>").Append(E(name)).Append("</td><td>").Append(E(value)).Append("</td></tr>");

    private static string Anchor(string id) => "control-" + string.Concat(id.Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-'));

    private static string E(string text) => WebUtility.HtmlEncode(text);
}

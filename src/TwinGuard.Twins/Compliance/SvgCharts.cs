using System.Globalization;
using System.Net;
using System.Text;

namespace TwinGuard.Twins.Compliance;

/// <summary>The report's charts as inline SVG: no script, no fonts or files fetched, so the HTML reads offline and prints.</summary>
internal static class SvgCharts
{
    private const int Width = 720;
    private const int Height = 220;
    private const int Left = 48;
    private const int Bottom = 28;

    private static readonly Dictionary<string, string> SeverityColours = new(StringComparer.Ordinal)
    {
        ["low"] = "#8fb3d9", ["medium"] = "#e0b84c", ["high"] = "#e07b39", ["critical"] = "#c0392b",
    };

    /// <summary>Stacked bars over time, one series per severity.</summary>
    public static string FindingsOverTime(ReportCharts charts)
    {
        var count = charts.Times.Count;
        var totals = Enumerable.Range(0, count).Select(i => charts.FindingsBySeverity.Values.Sum(s => s[i])).ToArray();
        var max = Math.Max(1, totals.Max());
        var svg = Start("findings", "Findings over time, by severity");
        Axes(svg, max, charts.Times, charts.Bucket);
        var slot = (Width - Left - 8) / (double)count;
        var bottoms = new double[count];
        foreach (var severity in ReportCharts.Severities)
        {
            var series = charts.FindingsBySeverity[severity];
            var d = new StringBuilder();
            for (var i = 0; i < count; i++)
            {
                if (series[i] == 0)
                {
                    continue;
                }

                var h = series[i] * (Height - Bottom - 16) / (double)max;
                Rect(d, Left + (i * slot) + 1, Height - Bottom - bottoms[i] - h, Math.Max(1, slot - 2), h);
                bottoms[i] += h;
            }

            Path(svg, d, SeverityColours[severity], severity);
        }

        Legend(svg, ReportCharts.Severities.Select(s => (s, SeverityColours[s])));
        return End(svg);
    }

    /// <summary>Incidents opened per bucket.</summary>
    public static string IncidentsOverTime(ReportCharts charts)
    {
        var max = Math.Max(1, charts.Incidents.DefaultIfEmpty().Max());
        var svg = Start("incidents", "Incidents opened over time");
        Axes(svg, max, charts.Times, charts.Bucket);
        var slot = (Width - Left - 8) / (double)charts.Times.Count;
        var d = new StringBuilder();
        for (var i = 0; i < charts.Incidents.Length; i++)
        {
            var h = charts.Incidents[i] * (Height - Bottom - 16) / (double)max;
            if (h > 0)
            {
                Rect(d, Left + (i * slot) + 1, Height - Bottom - h, Math.Max(1, slot - 2), h);
            }
        }

        Path(svg, d, "#7d3c98", "incidents");
        return End(svg);
    }

    /// <summary>Seconds from each incident's opening to its containment.</summary>
    public static string TimeToContain(ReportCharts charts)
    {
        var items = charts.TimeToContain.Select(t => ($"#{t.Incident}", t.Seconds)).ToList();
        return Bars("contain", "Time to contain (seconds, per incident)", items, "#16a085", "s");
    }

    /// <summary>Refused data by reason code.</summary>
    public static string Refusals(ReportCharts charts) =>
        Bars("refusals", "Refusals by reason", charts.Refusals.Select(r => (r.Reason, (double)r.Count)).ToList(), "#c0392b", string.Empty);

    /// <summary>Findings per asset (or device).</summary>
    public static string PerAsset(ReportCharts charts) =>
        Bars("assets", "Findings per asset", charts.PerAsset.Select(r => (r.Asset, (double)r.Count)).ToList(), "#2e86c1", string.Empty);

    private static string Bars(string name, string title, IReadOnlyList<(string Label, double Value)> items, string colour, string unit)
    {
        var rows = Math.Max(1, Math.Min(items.Count, 20));
        var height = 24 + (rows * 18);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" data-chart=\"{name}\" role=\"img\" aria-label=\"{Esc(title)}\" viewBox=\"0 0 {Width} {height}\" width=\"{Width}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{Esc(title)}</title>");
        var max = Math.Max(items.Select(i => i.Value).DefaultIfEmpty().Max(), 1e-9);
        var labelWidth = 170;
        var d = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<path class=\"axis\" d=\"M{labelWidth} 8V{height - 8}\" stroke=\"#888\" fill=\"none\"/>");
        if (items.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth + 8}\" y=\"26\" font-size=\"12\">none in the period</text>");
        }

        for (var i = 0; i < Math.Min(items.Count, 20); i++)
        {
            var (label, value) = items[i];
            var y = 12 + (i * 18);
            var w = Math.Max(1, value / max * (Width - labelWidth - 80));
            Rect(d, labelWidth + 1, y, w, 13);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth - 6}\" y=\"{y + 11}\" font-size=\"11\" text-anchor=\"end\">{Esc(label)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth + w + 6:0.#}\" y=\"{y + 11}\" font-size=\"11\">{value.ToString(unit.Length > 0 ? "0.##" : "0", CultureInfo.InvariantCulture)}{unit}</text>");
        }

        Path(svg, d, colour, name);
        return End(svg);
    }

    private static StringBuilder Start(string name, string title)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" data-chart=\"{name}\" role=\"img\" aria-label=\"{Esc(title)}\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{Esc(title)}</title>");
        return svg;
    }

    private static void Axes(StringBuilder svg, int max, IReadOnlyList<DateTimeOffset> times, TimeSpan bucket)
    {
        svg.Append(CultureInfo.InvariantCulture, $"<path class=\"axis\" d=\"M{Left} 8V{Height - Bottom}H{Width - 4}\" stroke=\"#888\" fill=\"none\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"18\" font-size=\"11\" text-anchor=\"end\">{max}</text><text x=\"{Left - 6}\" y=\"{Height - Bottom}\" font-size=\"11\" text-anchor=\"end\">0</text>");
        var format = bucket >= TimeSpan.FromDays(1) ? "yyyy-MM-dd" : bucket >= TimeSpan.FromMinutes(1) ? "MM-dd HH:mm" : "HH:mm:ss";
        var slot = (Width - Left - 8) / (double)times.Count;
        var step = Math.Max(1, times.Count / 6);
        for (var i = 0; i < times.Count; i += step)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + (i * slot):0.#}\" y=\"{Height - 10}\" font-size=\"10\">{times[i].ToString(format, CultureInfo.InvariantCulture)}</text>");
        }
    }

    private static void Legend(StringBuilder svg, IEnumerable<(string Name, string Colour)> items)
    {
        var x = Left + 10;
        foreach (var (name, colour) in items)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"6\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{x + 14}\" y=\"15\" font-size=\"11\">{name}</text>");
            x += 80;
        }
    }

    private static void Rect(StringBuilder d, double x, double y, double w, double h) =>
        d.Append(CultureInfo.InvariantCulture, $"M{x:0.##} {y:0.##}h{w:0.##}v{h:0.##}h{-w:0.##}z");

    private static void Path(StringBuilder svg, StringBuilder d, string colour, string series)
    {
        if (d.Length > 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<path class=\"series\" data-series=\"{Esc(series)}\" d=\"{d}\" fill=\"{colour}\"/>");
        }
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>").ToString();

    private static string Esc(string text) => WebUtility.HtmlEncode(text);
}

using Spectre.Console;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Server.Commands;

/// <summary>The terminal's live view of the data path: messages, accepted readings, refusals, findings, incidents.</summary>
internal static class LiveCounts
{
    /// <summary>Shows the counts until <paramref name="stop"/> fires: a live table on a terminal, a line every 5 s otherwise.</summary>
    public static async Task ShowUntilAsync(PipelineMetrics metrics, CancellationToken stop, Func<string>? extra = null)
    {
        if (Console.IsOutputRedirected)
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), stop).ContinueWith(_ => { }, TaskScheduler.Default);
                Console.WriteLine(Line(metrics) + (extra is null ? string.Empty : "  " + extra()));
            }

            return;
        }

        await AnsiConsole.Live(Render(metrics, extra)).StartAsync(async context =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop).ContinueWith(_ => { }, TaskScheduler.Default);
                context.UpdateTarget(Render(metrics, extra));
            }
        });
    }

    public static string Line(PipelineMetrics m) =>
        $"messages {m.Messages:N0}  accepted {m.ReadingsAccepted:N0}  refused {m.Refusals:N0}  findings {m.Findings:N0}  incidents {m.Incidents:N0}  p99 arrival->finding {m.ArrivalToFinding.Percentile(0.99).TotalMilliseconds:F2} ms";

    private static Table Render(PipelineMetrics m, Func<string>? extra)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("counter").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("messages", m.Messages.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("readings accepted", m.ReadingsAccepted.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("refused", m.Refusals.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        foreach (var reason in Enum.GetValues<ReasonCode>().Where(r => m.RefusalsOf(r) > 0))
        {
            table.AddRow($"  {reason.Name()}", m.RefusalsOf(reason).ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }

        table.AddRow("findings", m.Findings.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("incidents", m.Incidents.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("p99 arrival to finding", $"{m.ArrivalToFinding.Percentile(0.99).TotalMilliseconds:F2} ms");
        if (extra is not null)
        {
            table.Caption(Markup.Escape(extra()));
        }

        return table;
    }
}

using System.Globalization;
using System.Text;

namespace TwinGuard.Server.Bench;

/// <summary>
/// Where the time of each <c>bench lockdown</c> trial goes, step by step, and whether a garbage collection fell inside
/// it: a histogram (p50/p90/p99/max) per step, so a tail can be pinned on a step, and the slowest trials in full.
/// </summary>
/// <remarks>
/// The steps, in the order a finding goes through them: the correlate stage takes the finding and admits it (its ledger
/// entry written); the correlator opens an incident over it (the incident's ledger entry); the respond engine puts the
/// playbook's containment in force (quarantine, then the broker's disconnect, as the engine itself times them: the
/// disconnect is timed when MQTTnet's own disconnect has completed, which may be after the socket was cut, so the last
/// step can be negative: the broker cuts the device's socket before MQTTnet's bookkeeping); the device's socket sees the
/// drop (a thread asleep in a blocking read, woken by the kernel as the FIN arrives). A load on the machine stretches every step
/// alike; a step whose p99 alone stands out is where the tail comes from.
/// </remarks>
/// <param name="names">The steps' names, in path order (the last is the whole trial); <see cref="ToDeviceRead"/> by default.</param>
internal sealed class LockdownSteps(string[]? names = null)
{
    /// <summary>The steps to the device's read returning, as the engine times its actions.</summary>
    public static readonly string[] ToDeviceRead = ["raise -> admitted", "admitted -> incident", "incident -> quarantined", "quarantined -> disconnected", "disconnected -> drop seen", "total"];

    /// <summary>
    /// The steps to the broker's FIN on the wire: the correlate stage admits the finding and opens the incident, the
    /// engine writes the quarantine list (refused from then), the broker's disconnect is called, and the FIN leaves (its
    /// kernel timestamp, taken inside the socket shutdown that disconnect makes).
    /// </summary>
    public static readonly string[] ToFin = ["raise -> admitted", "admitted -> incident", "incident -> refused", "refused -> disconnect called", "disconnect called -> FIN", "raise -> FIN"];

    private readonly List<Trial> _trials = [];

    /// <summary>The steps' names, in path order (the last is the whole trial).</summary>
    public string[] Names { get; } = names ?? ToDeviceRead;

    /// <summary>Trials recorded.</summary>
    public int Count => _trials.Count;

    /// <summary>Trials during which at least one garbage collection ran.</summary>
    public int WithCollection => _trials.Count(t => t.Collections > 0);

    /// <summary>Records one trial's steps (milliseconds, in <see cref="Names"/> order) and the collections during it.</summary>
    public void Add(double[] steps, int collections, double pausedMs, long allocatedBytes, int index) =>
        _trials.Add(new Trial(steps, collections, pausedMs, allocatedBytes, index));

    /// <summary>The p-quantile of one step over all trials.</summary>
    public double Percentile(int step, double p) => Quantile(_trials.Select(t => t.Steps[step]), p);

    /// <summary>The p-quantile of the whole trial over the trials with no collection during them.</summary>
    public double TotalWithoutCollection(double p) => Quantile(_trials.Where(t => t.Collections == 0).Select(t => t.Steps[^1]), p);

    /// <summary>Median bytes allocated by the whole process during a trial.</summary>
    public double MedianAllocatedBytes => Quantile(_trials.Select(t => (double)t.AllocatedBytes), 0.5);

    /// <summary>Per step: p50, p90, p99, max (milliseconds), for <c>--json</c>.</summary>
    public Dictionary<string, double[]> Summary() => Names
        .Select((name, i) => (name, figures: new[] { 0.5, 0.9, 0.99, 1.0 }.Select(p => Math.Round(Percentile(i, p), 3)).ToArray()))
        .ToDictionary(s => s.name, s => s.figures);

    /// <summary>The table: one row per step, then the slowest trials with their steps and collections.</summary>
    public string Table(string title, int slowest = 4)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"  {title}: per step, ms (p50 / p90 / p99 / max)\n");
        for (var i = 0; i < Names.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"    {Names[i],-28} {Percentile(i, 0.5),7:0.000} {Percentile(i, 0.9),7:0.000} {Percentile(i, 0.99),7:0.000} {Percentile(i, 1.0),7:0.000}\n");
        }

        text.Append(CultureInfo.InvariantCulture,
            $"    trials with a GC in them: {WithCollection} of {Count}; total p99 without them {TotalWithoutCollection(0.99):0.000} ms; median allocated per trial {MedianAllocatedBytes:0} B (whole process)\n");
        foreach (var trial in _trials.OrderByDescending(t => t.Steps[^1]).Take(slowest))
        {
            text.Append(CultureInfo.InvariantCulture,
                $"    slow trial {trial.Index}: {string.Join(" | ", trial.Steps.Select(s => s.ToString("0.000", CultureInfo.InvariantCulture)))} ms; GCs {trial.Collections} ({trial.PausedMs:0.000} ms paused)\n");
        }

        return text.ToString();
    }

    /// <summary>The p-quantile of <paramref name="values"/> (nearest rank; NaN when there are none).</summary>
    public static double Quantile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private sealed record Trial(double[] Steps, int Collections, double PausedMs, long AllocatedBytes, int Index);
}

using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Compliance;

/// <summary>The figures a report draws: findings and incidents over time, time to contain, refusals by reason, per asset.</summary>
/// <param name="Bucket">Width of one bar of the time charts: the shortest of 10 s .. 1 day that gives fewer than 120 bars.</param>
/// <param name="Times">Start of each bucket.</param>
/// <param name="FindingsBySeverity">Per severity (low, medium, high, critical), findings per bucket.</param>
/// <param name="Incidents">Incidents opened per bucket.</param>
/// <param name="TimeToContain">Per incident contained: its id and the seconds from opening to containment.</param>
/// <param name="Refusals">Findings of refused data by reason, most first.</param>
/// <param name="PerAsset">Findings per asset (or device for refusals), most first, at most 20.</param>
public sealed record ReportCharts(
    TimeSpan Bucket,
    IReadOnlyList<DateTimeOffset> Times,
    IReadOnlyDictionary<string, int[]> FindingsBySeverity,
    int[] Incidents,
    IReadOnlyList<(long Incident, double Seconds)> TimeToContain,
    IReadOnlyList<(string Reason, int Count)> Refusals,
    IReadOnlyList<(string Asset, int Count)> PerAsset)
{
    /// <summary>Severities in the order the charts stack them.</summary>
    public static IReadOnlyList<string> Severities { get; } = ["low", "medium", "high", "critical"];

    private const int MaxBuckets = 400;

    private static readonly TimeSpan[] Buckets =
    [
        TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15),
        TimeSpan.FromHours(1), TimeSpan.FromHours(6), TimeSpan.FromDays(1),
    ];

    /// <summary>The charts of what <paramref name="ledger"/> holds for its period.</summary>
    public static ReportCharts From(LedgerEvidence ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var times = ledger.Findings.Select(f => f.Time).Concat(ledger.Incidents.Select(i => i.Opened)).ToList();
        var first = ledger.Period.From ?? (times.Count > 0 ? times.Min() : ledger.Span?.First ?? DateTimeOffset.UnixEpoch);
        var last = ledger.Period.To ?? (times.Count > 0 ? times.Max() : ledger.Span?.Last ?? first);
        var span = last - first;
        var bucket = Buckets.FirstOrDefault(b => span.Ticks / b.Ticks < 120, TimeSpan.FromDays(1));
        var start = new DateTimeOffset(first.UtcTicks - (first.UtcTicks % bucket.Ticks), TimeSpan.Zero);
        var count = (int)Math.Clamp(((last - start).Ticks / bucket.Ticks) + 1, 1, MaxBuckets);
        int Slot(DateTimeOffset t) => (int)Math.Clamp((t - start).Ticks / bucket.Ticks, 0, count - 1);

        var bySeverity = Severities.ToDictionary(s => s, _ => new int[count], StringComparer.Ordinal);
        foreach (var f in ledger.Findings)
        {
            if (bySeverity.TryGetValue(f.Severity, out var series))
            {
                series[Slot(f.Time)]++;
            }
        }

        var incidents = new int[count];
        foreach (var i in ledger.Incidents)
        {
            incidents[Slot(i.Opened)]++;
        }

        var refusals = ledger.Findings
            .Where(f => ReasonCodes.TryParse(f.Reason, out var code) && code.IsAboutSource())
            .GroupBy(f => f.Reason).Select(g => (g.Key, g.Count())).OrderByDescending(x => x.Item2).ThenBy(x => x.Key, StringComparer.Ordinal).ToList();
        var perAsset = ledger.Findings
            .Select(f => f.Asset ?? (f.Device is { } d ? "device " + d : null)).OfType<string>()
            .GroupBy(a => a).Select(g => (g.Key, g.Count())).OrderByDescending(x => x.Item2).ThenBy(x => x.Key, StringComparer.Ordinal).Take(20).ToList();
        var contain = ledger.Incidents.Where(i => i.TimeToContain is not null).Select(i => (i.Id, i.TimeToContain!.Value.TotalSeconds)).ToList();
        return new ReportCharts(bucket, Enumerable.Range(0, count).Select(k => start + (bucket * k)).ToList(), bySeverity, incidents, contain, refusals, perAsset);
    }
}

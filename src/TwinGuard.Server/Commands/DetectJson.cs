using System.Text.Json;
using TwinGuard.Server.Offline;

namespace TwinGuard.Server.Commands;

/// <summary>The <c>--json</c> document of <c>twinguard detect</c>: totals, inferred column behaviour, episodes.</summary>
/// <remarks>Episodes are listed up to <see cref="MaxEpisodes"/>; <c>episodes_total</c> always counts them all.</remarks>
internal static class DetectJson
{
    /// <summary>Most episodes listed in the document (a long noisy file must not make an unbounded answer).</summary>
    public const int MaxEpisodes = 1000;

    public static string Serialize(DetectSummary summary, DetectRequest request)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(request);
        string? Time(int row) => summary.Times?[row];
        return JsonSerializer.Serialize(new
        {
            rows = summary.Rows,
            anomalies = summary.Anomalies,
            alarms = summary.Alarms,
            training_rows = summary.TrainingRows,
            threshold = summary.Threshold,
            detector = request.Detector,
            output = request.Output,
            columns = summary.Profiles.Select((p, j) => new
            {
                name = summary.Columns[j],
                kind = p.Kind.ToString().ToLowerInvariant(),
                level_free = p.LevelFree,
                period = p.Period,
                trend_r2 = Math.Round(p.TrendShare, 3),
                trend_persistence = Math.Round(p.TrendPersistence, 3),
                von_neumann_ratio = Math.Round(p.Smoothness, 3),
                plateau_share = Math.Round(p.PlateauShare, 3),
                plateaus = p.Plateaus,
                period_acf = Math.Round(p.PeriodStrength, 3),
                distinct_values = p.DistinctValues,
                overridden = p.Overridden,
            }),
            online_decisions = summary.Decisions.Select(d => new
            {
                row = d.Row,
                time = d.Row < summary.Rows ? Time((int)d.Row) : null,
                decision = d.Decision,
                detail = d.Detail,
            }),
            episodes_total = summary.Episodes.Count,
            episodes = summary.Episodes.Take(MaxEpisodes).Select(e => new
            {
                start_row = e.Start,
                end_row = e.End,
                start = Time(e.Start),
                end = Time(e.End),
                alarm = e.Alarmed,
                peak_row = e.Peak,
                peak_score = Math.Round(e.PeakScore, 6),
                top_features = e.TopColumns.Select(c => summary.Columns[c]),
            }),
        });
    }
}

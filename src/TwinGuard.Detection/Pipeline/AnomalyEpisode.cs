namespace TwinGuard.Detection.Pipeline;

/// <summary>A run of consecutive rows flagged anomalous (after smoothing).</summary>
/// <param name="Start">First flagged row.</param>
/// <param name="End">Last flagged row (inclusive).</param>
/// <param name="Peak">Row of the highest score in the episode.</param>
/// <param name="PeakScore">That score.</param>
/// <param name="Alarmed">
/// True when an alarm announced the episode: raised on a row after the previous episode's end and not after this one's
/// (an onset alarm can precede the smoothed flag by a few rows); false inside a refractory period.
/// </param>
/// <param name="TopColumns">Input columns most often the top contributor over the episode, most frequent first (at most 3).</param>
public sealed record AnomalyEpisode(int Start, int End, int Peak, double PeakScore, bool Alarmed, IReadOnlyList<int> TopColumns)
{
    /// <summary>The episodes of a sequence of verdicts, in order.</summary>
    public static IReadOnlyList<AnomalyEpisode> From(IReadOnlyList<AnomalyVerdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        var episodes = new List<AnomalyEpisode>();
        var i = 0;
        var afterPrevious = 0;
        while (i < verdicts.Count)
        {
            if (!verdicts[i].IsAnomaly)
            {
                i++;
                continue;
            }

            var start = i;
            var peak = i;
            var votes = new Dictionary<int, int>();
            while (i < verdicts.Count && verdicts[i].IsAnomaly)
            {
                if (verdicts[i].Score > verdicts[peak].Score)
                {
                    peak = i;
                }

                votes[verdicts[i].TopColumn] = votes.GetValueOrDefault(verdicts[i].TopColumn) + 1;
                i++;
            }

            var alarmed = false;
            for (var k = afterPrevious; k < i && !alarmed; k++)
            {
                alarmed = verdicts[k].Alarm;
            }

            afterPrevious = i;
            episodes.Add(new AnomalyEpisode(start, i - 1, peak, verdicts[peak].Score, alarmed,
                [.. votes.OrderByDescending(v => v.Value).ThenBy(v => v.Key).Take(3).Select(v => v.Key)]));
        }

        return episodes;
    }
}

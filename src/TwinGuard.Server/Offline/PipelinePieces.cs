using TwinGuard.Detection.Pipeline;

namespace TwinGuard.Server.Offline;

/// <summary>
/// The pieces of <c>detect</c>'s default pipeline that <c>evaluate nab|skab --without PIECE</c> switches off, one at a
/// time, so that what each adds is measured on the product itself (issue #23: "report what each new piece adds, one at
/// a time"). Evaluation only: <c>detect</c> has no such option, its defaults are the product.
/// </summary>
/// <remarks>
/// The pieces that are not on by default are measured by switching them on instead: the extreme-value threshold
/// (<c>evaluate --alarm-rate R</c>) and online learning (<c>evaluate nab --online</c>). <c>bench/ablation.sh</c> runs
/// every row of the table in docs/detection.md.
/// </remarks>
internal static class PipelinePieces
{
    /// <summary>Column behaviour inferred from the training window (level-free drifting columns, seasonal differences).</summary>
    public const string ColumnBehaviour = "column-behaviour";

    /// <summary>Alarms at onsets of the score stream (anomaly likelihood, range watch, companion, recurrences); off, an alarm marks the first row of each flagged episode.</summary>
    public const string OnsetAlarms = "onset-alarms";

    /// <summary>The sequence model read by the alarm rule (<see cref="OnsetCompanion"/>).</summary>
    public const string Companion = "companion";

    /// <summary>A value beyond its column's range so far raises an alarm (<see cref="RangeWatch"/>).</summary>
    public const string RangeWatch = "range-watch";

    /// <summary>Onsets that keep the beat of the stream's last events are routine (<see cref="RecurringOnsets"/>).</summary>
    public const string RecurringOnsets = "recurring-onsets";

    /// <summary>A flagged episode ends when the process settled near, not at, its trained point (<see cref="EpisodeEnd"/>).</summary>
    public const string EpisodeEnd = "episode-end";

    /// <summary>The likelihoods' 2,000-row history; off, the library's (and NAB's published) 8,640 rows.</summary>
    public const string ShortHistory = "short-history";

    /// <summary>Every name <c>--without</c> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [ColumnBehaviour, OnsetAlarms, Companion, RangeWatch, RecurringOnsets, EpisodeEnd, ShortHistory];

    /// <summary>Checks <paramref name="pieces"/> against <see cref="Names"/>.</summary>
    /// <exception cref="DetectRequestException">A name is not a piece.</exception>
    public static IReadOnlyList<string> Parse(IReadOnlyList<string>? pieces)
    {
        foreach (var piece in pieces ?? [])
        {
            if (!Names.Contains(piece))
            {
                throw new DetectRequestException($"--without: '{piece}' is not a piece; known: {string.Join(", ", Names)}");
            }
        }

        return pieces ?? [];
    }

    /// <summary>
    /// <paramref name="request"/> with column behaviour switched off when asked: <c>--level-free none --period 0</c>, the
    /// features every column had before the profiler (constant and discrete columns are kept as they are anyway).
    /// </summary>
    public static DetectRequest Apply(DetectRequest request, IReadOnlyList<string> without)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(without);
        return without.Contains(ColumnBehaviour) ? request with { LevelFree = [], Period = 0, Without = without } : request with { Without = without };
    }

    /// <summary><paramref name="options"/> (a preset's) without the pipeline pieces in <paramref name="without"/>.</summary>
    public static AnomalyPipelineOptions Apply(AnomalyPipelineOptions options, IReadOnlyList<string> without)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(without);
        foreach (var piece in without)
        {
            options = piece switch
            {
                OnsetAlarms => options with { Likelihood = null, RangeTolerance = null, RecurrenceTolerance = null, Companion = null },
                Companion => options with { Companion = null },
                RangeWatch => options with { RangeTolerance = null },
                RecurringOnsets => options with { RecurrenceTolerance = null },
                EpisodeEnd => options with { EpisodeEnd = null },
                ShortHistory => options.Likelihood is null ? options : options with { Likelihood = options.Likelihood with { LongWindow = new AnomalyLikelihoodOptions().LongWindow } },
                _ => options,
            };
        }

        return options;
    }
}

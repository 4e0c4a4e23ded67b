using TwinGuard.Detection.Pipeline;
using TwinGuard.Detection.Profiling;

namespace TwinGuard.Server.Offline;

/// <summary>What <see cref="OfflineDetection"/> did.</summary>
/// <param name="Rows">Rows written.</param>
/// <param name="Anomalies">Rows flagged.</param>
/// <param name="TrainingRows">Rows the model was (first) fitted on.</param>
/// <param name="Threshold">The calibrated threshold, and how.</param>
internal sealed record DetectSummary(int Rows, int Anomalies, int TrainingRows, string Threshold)
{
    /// <summary>Alarms raised (first rows of episodes outside a refractory period).</summary>
    public int Alarms { get; init; }

    /// <summary>The feature columns, in order.</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    /// <summary>Each feature column's inferred behaviour (empty when the preset infers none).</summary>
    public IReadOnlyList<ColumnProfile> Profiles { get; init; } = [];

    /// <summary>The anomalous episodes, in order.</summary>
    public IReadOnlyList<AnomalyEpisode> Episodes { get; init; } = [];

    /// <summary>What online learning decided (refused refits, accepted operating points).</summary>
    public IReadOnlyList<OnlineDecision> Decisions { get; init; } = [];

    /// <summary>The time column's text per row, when one was named.</summary>
    public IReadOnlyList<string>? Times { get; init; }
}

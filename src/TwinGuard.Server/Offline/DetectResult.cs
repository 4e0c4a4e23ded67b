using TwinGuard.Detection.Pipeline;
using TwinGuard.Detection.Profiling;

namespace TwinGuard.Server.Offline;

/// <summary>Every row's verdict and what the detector inferred, before anything is written.</summary>
/// <param name="Verdicts">One per input row, in order.</param>
/// <param name="TrainingRows">Rows the model was (first) fitted on.</param>
/// <param name="Threshold">The calibrated threshold, and how.</param>
/// <param name="Profiles">Each feature column's inferred behaviour (empty when the preset infers none).</param>
/// <param name="Decisions">What online learning decided (refused refits, accepted operating points); empty offline.</param>
internal sealed record DetectResult(
    IReadOnlyList<AnomalyVerdict> Verdicts,
    int TrainingRows,
    string Threshold,
    IReadOnlyList<ColumnProfile> Profiles,
    IReadOnlyList<OnlineDecision> Decisions);

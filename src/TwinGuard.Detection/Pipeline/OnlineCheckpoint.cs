namespace TwinGuard.Detection.Pipeline;

/// <summary>
/// What an <see cref="OnlineAnomalyDetector"/> has learned, to continue on another process without a new warm-up.
/// </summary>
/// <remarks>
/// Models are not serialised: a model is a deterministic function of the feature rows it was fitted on
/// (<see cref="AnomalyPipeline.Propose"/> with seeded detectors), so the rows are kept and the model is refitted on
/// restore. They change only at a fit, so a caller writes them then (<see cref="OnlineAnomalyDetector.ModelGeneration"/>)
/// and the small stream part (<see cref="Recent"/>, the counters) as often as it likes. The rows that a next retraining
/// would learn from are not kept: after a restore the next retraining waits for a fresh window.
/// </remarks>
/// <param name="Generation">The <see cref="OnlineAnomalyDetector.ModelGeneration"/> the rows belong to.</param>
/// <param name="WarmUp">Raw rows of a warm-up still in progress (empty once fitted).</param>
/// <param name="Anchor">Feature rows of the anchor (the commissioned normal); null before the first fit.</param>
/// <param name="Model">Feature rows of the model in use; the same instance as <paramref name="Anchor"/> when it is the anchor.</param>
/// <param name="Recent">The last raw rows scored, oldest first, replayed on restore to refill the rolling window (and the seasonal history).</param>
/// <param name="Counters">The stream counters.</param>
public sealed record OnlineCheckpoint(
    int Generation, IReadOnlyList<double[]> WarmUp, FeatureMatrix? Anchor, FeatureMatrix? Model, IReadOnlyList<double[]> Recent, OnlineCounters Counters)
{
    /// <summary>
    /// The level-free columns of the features the first fit chose (the options' own and those inferred from the warm-up
    /// window); null: the options' own. The feature rows are only meaningful over these features.
    /// </summary>
    public IReadOnlyCollection<int>? LevelFreeColumns { get; init; }

    /// <summary>The periods in rows, per input column, the first fit chose; null: the options' own.</summary>
    public IReadOnlyDictionary<int, int>? Periods { get; init; }
}

namespace TwinGuard.Twins.Relations;

/// <summary>A twin relation's latest evaluation, for the API and the dashboard.</summary>
/// <param name="RelationId">The relation's id in the plant model.</param>
/// <param name="Kind"><c>algebraic</c> or <c>dynamic</c>.</param>
/// <param name="Expression">The relation as written.</param>
/// <param name="Signals">The <c>asset.signal</c> inputs, in slot order.</param>
/// <param name="MeasuredSignal">The signal <see cref="Measured"/> is a value of, when it is one signal (the left side is
/// a lone reference or <c>der(x)</c>); null otherwise.</param>
/// <param name="State">Unknown (an input missing, stale or quarantined), holding, or violated.</param>
/// <param name="EvaluatedAt">Device time of the latest evaluation; null before the first.</param>
/// <param name="Measured">The measured side (see <see cref="RelationEvaluation.Measured"/>); null when unknown.</param>
/// <param name="Expected">What the physics predicts for it; the expected band is <c>Expected ± Tolerance</c>.</param>
/// <param name="Residual">The residual (integrated over the window for a dynamic relation); null when unknown.</param>
/// <param name="Tolerance">The largest credible residual.</param>
/// <param name="ResidualMean">Mean of the residual in normal operation (EWMA).</param>
/// <param name="ResidualStdDev">Its standard deviation: the tight band <c>Expected + ResidualMean ± 3·ResidualStdDev</c>.</param>
/// <param name="Evaluations">Evaluations since activation.</param>
/// <param name="Violations">Evaluations that found it violated.</param>
[GenerateSerializer, Immutable, Alias("twinguard.relation-snapshot")]
public sealed record RelationSnapshot(
    [property: Id(0)] string RelationId,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Expression,
    [property: Id(3)] string[] Signals,
    [property: Id(4)] string? MeasuredSignal,
    [property: Id(5)] RelationState State,
    [property: Id(6)] DateTimeOffset? EvaluatedAt,
    [property: Id(7)] double? Measured,
    [property: Id(8)] double? Expected,
    [property: Id(9)] double? Residual,
    [property: Id(10)] double Tolerance,
    [property: Id(11)] double ResidualMean,
    [property: Id(12)] double ResidualStdDev,
    [property: Id(13)] long Evaluations,
    [property: Id(14)] long Violations);

namespace TwinGuard.Twins.Relations;

/// <summary>One evaluation of a twin relation at one (device) time.</summary>
/// <param name="TimeMs">Device time the inputs were aligned to (epoch milliseconds).</param>
/// <param name="State">The verdict.</param>
/// <param name="Residual">The residual: <c>left − right</c> for an algebraic relation; for a dynamic one, that residual
/// integrated over the relation's window (left unit × s). NaN when unknown.</param>
/// <param name="Measured">What the dashboard draws as the measured value: the left side (algebraic) or the
/// differentiated signal (dynamic <c>der(x) ~ ...</c>).</param>
/// <param name="Expected">What the physics predicts for <paramref name="Measured"/>: <c>Measured − Residual</c>; the
/// expected band is Expected ± tolerance.</param>
/// <param name="Z">The residual in standard deviations of its normal noise (0 until that is known).</param>
public readonly record struct RelationEvaluation(long TimeMs, RelationState State, double Residual, double Measured, double Expected, double Z);

namespace TwinGuard.Twins.Relations;

/// <summary>How well a twin relation tracks the recorded asset, with its coefficients fitted.</summary>
/// <param name="RelationId">The relation.</param>
/// <param name="Kind"><c>algebraic</c> or <c>dynamic</c>.</param>
/// <param name="Coefficients">Fitted coefficients (empty when the relation declares none).</param>
/// <param name="FitSamples">Samples (algebraic) or window sums (dynamic) the fit used.</param>
/// <param name="Iterations">Gauss–Newton iterations (1 for a relation linear in its coefficients).</param>
/// <param name="Evaluations">Evaluations of the relation over the recording, with the fitted coefficients, exactly as
/// the twins evaluate it (alignment, integration of dynamic relations).</param>
/// <param name="ResidualMean">Mean residual.</param>
/// <param name="ResidualStdDev">Standard deviation of the residual: the relation's <c>noise</c>.</param>
/// <param name="ResidualP99">99th percentile of the absolute residual.</param>
/// <param name="ResidualMaxAbs">Largest absolute residual.</param>
/// <param name="WithinTolerance">Fraction of evaluations whose residual is within the configured tolerance.</param>
/// <param name="Tolerance">The configured tolerance.</param>
/// <param name="SuggestedTolerance">Six standard deviations or 1.5 × the largest residual seen, whichever is larger.</param>
public sealed record RelationCalibration(
    string RelationId,
    string Kind,
    IReadOnlyList<FittedCoefficient> Coefficients,
    int FitSamples,
    int Iterations,
    long Evaluations,
    double ResidualMean,
    double ResidualStdDev,
    double ResidualP99,
    double ResidualMaxAbs,
    double WithinTolerance,
    double Tolerance,
    double SuggestedTolerance);

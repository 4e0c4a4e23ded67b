namespace TwinGuard.Detection.Pipeline;

/// <summary>A learning decision an <see cref="OnlineAnomalyDetector"/> took, for the report.</summary>
/// <param name="Row">The row (0-based, counted from the first pushed) at which it was taken.</param>
/// <param name="Decision"><c>refit_refused</c>, <c>new_operating_point_accepted</c> or <c>new_operating_point_refused</c>.</param>
/// <param name="Detail">Why, in words.</param>
public sealed record OnlineDecision(long Row, string Decision, string Detail);

namespace TwinGuard.Intel.Formats.Stix;

/// <summary>Two observation expressions joined by <c>AND</c>, <c>OR</c> or <c>FOLLOWEDBY</c> (STIX 2.1 §9.6).</summary>
/// <param name="Operator">AND, OR or FOLLOWEDBY.</param>
/// <param name="Left">Left operand.</param>
/// <param name="Right">Right operand.</param>
public sealed record StixObservationOperation(string Operator, StixObservationExpression Left, StixObservationExpression Right)
    : StixObservationExpression;

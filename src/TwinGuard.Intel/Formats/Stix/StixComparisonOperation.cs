namespace TwinGuard.Intel.Formats.Stix;

/// <summary>Two comparison expressions joined by <c>AND</c> or <c>OR</c>; AND binds tighter (STIX 2.1 §9.6).</summary>
/// <param name="Operator">AND or OR.</param>
/// <param name="Left">Left operand.</param>
/// <param name="Right">Right operand.</param>
public sealed record StixComparisonOperation(string Operator, StixComparisonExpression Left, StixComparisonExpression Right)
    : StixComparisonExpression;

namespace TwinGuard.Intel.Formats.Stix;

/// <summary>An observation expression: <c>[ comparison ]</c> with its qualifiers (STIX 2.1 §9.5, §9.7).</summary>
/// <param name="Comparison">The comparison expression between the brackets.</param>
/// <param name="Qualifiers">Qualifiers as written (<c>WITHIN 600 SECONDS</c>, <c>REPEATS 5 TIMES</c>, <c>START t'..' STOP t'..'</c>).</param>
public sealed record StixObservation(StixComparisonExpression Comparison, IReadOnlyList<string> Qualifiers) : StixObservationExpression;

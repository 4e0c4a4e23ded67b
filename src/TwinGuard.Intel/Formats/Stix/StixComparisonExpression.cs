namespace TwinGuard.Intel.Formats.Stix;

/// <summary>A node of a comparison expression inside one observation (STIX 2.1 §9.5).</summary>
public abstract record StixComparisonExpression;

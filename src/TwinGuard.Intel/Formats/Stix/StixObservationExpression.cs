namespace TwinGuard.Intel.Formats.Stix;

/// <summary>A node of a parsed STIX pattern at the observation level (STIX 2.1 §9.5).</summary>
public abstract record StixObservationExpression;

namespace TwinGuard.Intel.Formats.Stix;

/// <summary>One comparison: <c>object-path [NOT] operator value</c>, or <c>EXISTS object-path</c> (STIX 2.1 §9.6).</summary>
/// <param name="Path">The object path, e.g. <c>file:hashes.'SHA-256'</c>.</param>
/// <param name="Operator">=, !=, &gt;, &lt;, &gt;=, &lt;=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET or EXISTS.</param>
/// <param name="Negated">Whether NOT precedes the operator.</param>
/// <param name="Value">The right-hand literal (null for EXISTS).</param>
public sealed record StixComparison(StixObjectPath Path, string Operator, bool Negated, StixLiteral? Value) : StixComparisonExpression
{
    /// <inheritdoc/>
    public override string ToString() => Operator == "EXISTS"
        ? $"EXISTS {Path}"
        : $"{Path} {(Negated ? "NOT " : string.Empty)}{Operator} {Value}";
}

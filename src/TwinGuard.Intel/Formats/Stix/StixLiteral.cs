namespace TwinGuard.Intel.Formats.Stix;

/// <summary>A literal on the right of a comparison (STIX 2.1 §9.4): string, number, boolean, timestamp, hex, binary or a set.</summary>
/// <param name="Kind">string, int, float, bool, timestamp, hex, binary or set.</param>
/// <param name="Text">The literal's value, unescaped (for a set, its text as written).</param>
/// <param name="Items">The members of a set; empty otherwise.</param>
public sealed record StixLiteral(string Kind, string Text, IReadOnlyList<StixLiteral> Items)
{
    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        "string" => $"'{Text}'",
        "set" => $"({string.Join(", ", Items)})",
        _ => Text,
    };
}

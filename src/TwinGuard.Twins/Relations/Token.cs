namespace TwinGuard.Twins.Relations;

/// <summary>One token: its kind, 1-based position, source text and (for numbers) value.</summary>
internal readonly record struct Token(TokenKind Kind, int Position, string Text, double Number)
{
    /// <summary>The token as an error message quotes it.</summary>
    public string Describe() => Kind == TokenKind.End ? "end of expression" : $"'{Text}'";
}

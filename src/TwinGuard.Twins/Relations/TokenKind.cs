namespace TwinGuard.Twins.Relations;

/// <summary>The kinds of token in a relation expression.</summary>
internal enum TokenKind
{
    Number,
    Identifier,
    Dot,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    LeftParen,
    RightParen,
    Tilde,
    End,
}

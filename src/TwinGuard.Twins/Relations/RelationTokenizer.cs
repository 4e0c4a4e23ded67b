using System.Globalization;

namespace TwinGuard.Twins.Relations;

/// <summary>Splits a relation expression into tokens.</summary>
/// <remarks>
/// Numbers use the invariant culture: digits, an optional fraction and an optional exponent (<c>1.5e-3</c>, <c>.5</c>).
/// Identifiers are <c>[A-Za-z_][A-Za-z0-9_]*</c>; a hyphen is always subtraction, so ids with hyphens cannot be
/// referenced from an expression.
/// </remarks>
internal static class RelationTokenizer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                i = ScanNumber(text, i);
                var span = text.AsSpan(start, i - start);
                if (!double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                {
                    throw new RelationSyntaxException(start + 1, $"position {start + 1}: '{span}' is not a finite number");
                }

                tokens.Add(new Token(TokenKind.Number, start + 1, span.ToString(), value));
                continue;
            }

            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Identifier, start + 1, text[start..i], 0));
                continue;
            }

            TokenKind? kind = c switch
            {
                '.' => TokenKind.Dot,
                ',' => TokenKind.Comma,
                '+' => TokenKind.Plus,
                '-' => TokenKind.Minus,
                '*' => TokenKind.Star,
                '/' => TokenKind.Slash,
                '(' => TokenKind.LeftParen,
                ')' => TokenKind.RightParen,
                '~' => TokenKind.Tilde,
                _ => null,
            };
            if (kind is not { } k)
            {
                throw new RelationSyntaxException(start + 1, $"position {start + 1}: unexpected character '{c}'");
            }

            tokens.Add(new Token(k, start + 1, c.ToString(), 0));
            i++;
        }

        tokens.Add(new Token(TokenKind.End, text.Length + 1, string.Empty, 0));
        return tokens;
    }

    private static int ScanNumber(string text, int i)
    {
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            var j = i + 1;
            if (j < text.Length && (text[j] == '+' || text[j] == '-'))
            {
                j++;
            }

            if (j < text.Length && char.IsAsciiDigit(text[j]))
            {
                i = j;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }
            }
            else
            {
                throw new RelationSyntaxException(j + 1, $"position {j + 1}: expected digits of the exponent");
            }
        }

        return i;
    }
}

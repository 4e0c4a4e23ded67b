using System.Globalization;
using System.Text;

namespace TwinGuard.Intel.Formats.Stix;

/// <summary>
/// A recursive-descent parser for the STIX 2.1 patterning language (STIX 2.1 OASIS Standard §9, grammar in
/// Appendix: STIXPattern.g4).
/// </summary>
/// <remarks>
/// Precedence, lowest first (§9.6): FOLLOWEDBY, observation OR, observation AND, qualifiers; inside brackets
/// comparison OR, then AND. Keywords are upper case as in the grammar. String escapes are <c>\'</c> and
/// <c>\\</c> (§9.4). Everything in the grammar parses; what the IOC index can use is decided by
/// <see cref="StixIndicatorCompiler"/>.
/// </remarks>
public sealed class StixPatternParser
{
    private static readonly HashSet<string> ComparisonWords = new(StringComparer.Ordinal)
    {
        "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET",
    };

    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _next;

    private StixPatternParser(string text)
    {
        _text = text;
        _tokens = Tokenize(text);
    }

    private enum TokenKind
    {
        Word,
        String,
        Timestamp,
        Hex,
        Binary,
        Number,
        Symbol,
        End,
    }

    /// <summary>Parses a pattern.</summary>
    /// <param name="pattern">E.g. <c>[ipv4-addr:value = '198.51.100.1/32' OR domain-name:value = 'evil.example']</c>.</param>
    /// <returns>The pattern's syntax tree.</returns>
    /// <exception cref="StixPatternException">The pattern does not follow the grammar; the message says where.</exception>
    public static StixObservationExpression Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var parser = new StixPatternParser(pattern);
        var expression = parser.ParseFollowedBy();
        var end = parser.Peek();
        if (end.Kind != TokenKind.End)
        {
            throw new StixPatternException($"unexpected '{end.Text}' after the end of the pattern", end.Position);
        }

        return expression;
    }

    private Token Peek() => _tokens[_next];

    private Token Take() => _tokens[_next++];

    private bool TakeIf(TokenKind kind, string text)
    {
        var token = Peek();
        if (token.Kind == kind && token.Text == text)
        {
            _next++;
            return true;
        }

        return false;
    }

    private Token Expect(TokenKind kind, string? text, string what)
    {
        var token = Take();
        if (token.Kind != kind || (text is not null && token.Text != text))
        {
            throw new StixPatternException(
                $"expected {what} but found {(token.Kind == TokenKind.End ? "the end of the pattern" : $"'{token.Text}'")}",
                token.Position);
        }

        return token;
    }

    private StixObservationExpression ParseFollowedBy()
    {
        var left = ParseObservationOr();
        while (TakeIf(TokenKind.Word, "FOLLOWEDBY"))
        {
            left = new StixObservationOperation("FOLLOWEDBY", left, ParseObservationOr());
        }

        return left;
    }

    private StixObservationExpression ParseObservationOr()
    {
        var left = ParseObservationAnd();
        while (TakeIf(TokenKind.Word, "OR"))
        {
            left = new StixObservationOperation("OR", left, ParseObservationAnd());
        }

        return left;
    }

    private StixObservationExpression ParseObservationAnd()
    {
        var left = ParseQualified();
        while (TakeIf(TokenKind.Word, "AND"))
        {
            left = new StixObservationOperation("AND", left, ParseQualified());
        }

        return left;
    }

    private StixObservationExpression ParseQualified()
    {
        StixObservationExpression expression;
        var open = Peek();
        if (TakeIf(TokenKind.Symbol, "["))
        {
            var comparison = ParseComparisonOr();
            Expect(TokenKind.Symbol, "]", "']' to close the observation expression");
            expression = new StixObservation(comparison, []);
        }
        else if (TakeIf(TokenKind.Symbol, "("))
        {
            expression = ParseFollowedBy();
            Expect(TokenKind.Symbol, ")", "')' to close the parenthesised observation expression");
        }
        else
        {
            throw new StixPatternException($"expected '[' to open an observation expression but found '{open.Text}'", open.Position);
        }

        // §9.7 qualifiers: WITHIN n SECONDS, REPEATS n TIMES, START t'...' STOP t'...'.
        while (Peek() is { Kind: TokenKind.Word, Text: "WITHIN" or "REPEATS" or "START" })
        {
            var keyword = Take();
            string qualifier;
            switch (keyword.Text)
            {
                case "WITHIN":
                    var seconds = Expect(TokenKind.Number, null, "a number of seconds after WITHIN");
                    Expect(TokenKind.Word, "SECONDS", "SECONDS");
                    qualifier = $"WITHIN {seconds.Text} SECONDS";
                    break;
                case "REPEATS":
                    var times = Expect(TokenKind.Number, null, "a count after REPEATS");
                    if (!int.TryParse(times.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
                    {
                        throw new StixPatternException("REPEATS needs a positive integer", times.Position);
                    }

                    Expect(TokenKind.Word, "TIMES", "TIMES");
                    qualifier = $"REPEATS {times.Text} TIMES";
                    break;
                default:
                    var start = Expect(TokenKind.Timestamp, null, "a timestamp t'...' after START");
                    Expect(TokenKind.Word, "STOP", "STOP");
                    var stop = Expect(TokenKind.Timestamp, null, "a timestamp t'...' after STOP");
                    qualifier = $"START t'{start.Text}' STOP t'{stop.Text}'";
                    break;
            }

            expression = Qualify(expression, qualifier);
        }

        return expression;
    }

    private static StixObservationExpression Qualify(StixObservationExpression expression, string qualifier) => expression switch
    {
        StixObservation o => o with { Qualifiers = [.. o.Qualifiers, qualifier] },
        StixObservationOperation op => op with { Left = Qualify(op.Left, qualifier), Right = Qualify(op.Right, qualifier) },
        _ => expression,
    };

    private StixComparisonExpression ParseComparisonOr()
    {
        var left = ParseComparisonAnd();
        while (TakeIf(TokenKind.Word, "OR"))
        {
            left = new StixComparisonOperation("OR", left, ParseComparisonAnd());
        }

        return left;
    }

    private StixComparisonExpression ParseComparisonAnd()
    {
        var left = ParsePropertyTest();
        while (TakeIf(TokenKind.Word, "AND"))
        {
            left = new StixComparisonOperation("AND", left, ParsePropertyTest());
        }

        return left;
    }

    private StixComparisonExpression ParsePropertyTest()
    {
        if (TakeIf(TokenKind.Symbol, "("))
        {
            var inner = ParseComparisonOr();
            Expect(TokenKind.Symbol, ")", "')' to close the parenthesised comparison");
            return inner;
        }

        if (TakeIf(TokenKind.Word, "EXISTS"))
        {
            return new StixComparison(ParseObjectPath(), "EXISTS", false, null);
        }

        var path = ParseObjectPath();
        var negated = TakeIf(TokenKind.Word, "NOT");
        var op = Take();
        if (op.Kind == TokenKind.Symbol && op.Text is "=" or "!=" or "<" or "<=" or ">" or ">=")
        {
            var literal = ParseLiteral();
            if (op.Text is not ("=" or "!=") && literal.Kind == "bool")
            {
                throw new StixPatternException($"'{op.Text}' needs an orderable literal, not a boolean", op.Position);
            }

            return new StixComparison(path, op.Text, negated, literal);
        }

        if (op.Kind == TokenKind.Word && ComparisonWords.Contains(op.Text))
        {
            if (op.Text == "IN")
            {
                return new StixComparison(path, "IN", negated, ParseSet());
            }

            var text = Expect(TokenKind.String, null, $"a string literal after {op.Text}");
            return new StixComparison(path, op.Text, negated, new StixLiteral("string", text.Text, []));
        }

        throw new StixPatternException($"expected a comparison operator after {path} but found '{op.Text}'", op.Position);
    }

    private StixObjectPath ParseObjectPath()
    {
        var type = Expect(TokenKind.Word, null, "an object type such as ipv4-addr");
        if (type.Text is "AND" or "OR" or "NOT" || !char.IsAsciiLetterLower(type.Text[0]))
        {
            throw new StixPatternException($"'{type.Text}' is not an object type", type.Position);
        }

        Expect(TokenKind.Symbol, ":", $"':' after object type '{type.Text}'");
        var properties = new List<string> { PathComponent() };
        while (true)
        {
            if (TakeIf(TokenKind.Symbol, "."))
            {
                properties.Add(PathComponent());
            }
            else if (Peek() is { Kind: TokenKind.Symbol, Text: "[" } && _tokens[_next + 1] is { Kind: TokenKind.Number } or { Kind: TokenKind.Symbol, Text: "*" })
            {
                Take();
                var index = Take();
                Expect(TokenKind.Symbol, "]", "']' to close the list index");
                properties[^1] += $"[{index.Text}]";
            }
            else
            {
                return new StixObjectPath(type.Text, properties);
            }
        }
    }

    private string PathComponent()
    {
        var token = Take();
        return token.Kind is TokenKind.Word or TokenKind.String
            ? token.Text
            : throw new StixPatternException($"expected a property name but found '{token.Text}'", token.Position);
    }

    private StixLiteral ParseSet()
    {
        var open = Expect(TokenKind.Symbol, "(", "'(' to open the set after IN");
        var items = new List<StixLiteral> { ParseLiteral() };
        while (TakeIf(TokenKind.Symbol, ","))
        {
            items.Add(ParseLiteral());
        }

        var close = Expect(TokenKind.Symbol, ")", "')' to close the set");
        return new StixLiteral("set", _text[open.Position..(close.Position + 1)], items);
    }

    private StixLiteral ParseLiteral()
    {
        var token = Take();
        return token.Kind switch
        {
            TokenKind.String => new StixLiteral("string", token.Text, []),
            TokenKind.Timestamp => new StixLiteral("timestamp", token.Text, []),
            TokenKind.Hex => new StixLiteral("hex", token.Text, []),
            TokenKind.Binary => new StixLiteral("binary", token.Text, []),
            TokenKind.Number => new StixLiteral(token.Text.Contains('.', StringComparison.Ordinal) ? "float" : "int", token.Text, []),
            TokenKind.Word when token.Text is "true" or "false" => new StixLiteral("bool", token.Text, []),
            _ => throw new StixPatternException(
                $"expected a literal but found {(token.Kind == TokenKind.End ? "the end of the pattern" : $"'{token.Text}'")}",
                token.Position),
        };
    }

    private static List<Token> Tokenize(string text)
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
            if (c is 't' or 'h' or 'b' && i + 1 < text.Length && text[i + 1] == '\'')
            {
                i++;
                var body = ReadString(text, ref i);
                var kind = c switch { 't' => TokenKind.Timestamp, 'h' => TokenKind.Hex, _ => TokenKind.Binary };
                Validate(kind, body, start);
                tokens.Add(new Token(kind, body, start));
            }
            else if (c == '\'')
            {
                tokens.Add(new Token(TokenKind.String, ReadString(text, ref i), start));
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '-'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Word, text[start..i], start));
            }
            else if (char.IsAsciiDigit(c) || (c is '-' or '+' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                i++;
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
                {
                    i++;
                }

                var number = text[start..i];
                if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    throw new StixPatternException($"'{number}' is not a number", start);
                }

                tokens.Add(new Token(TokenKind.Number, number, start));
            }
            else if (c is '!' or '<' or '>' or '=')
            {
                i++;
                if (i < text.Length && text[i] == '=')
                {
                    i++;
                }

                var op = text[start..i];
                if (op is "!" or "==")
                {
                    throw new StixPatternException($"'{op}' is not an operator (use = or !=)", start);
                }

                tokens.Add(new Token(TokenKind.Symbol, op, start));
            }
            else if (c is '[' or ']' or '(' or ')' or ',' or ':' or '.' or '*')
            {
                i++;
                tokens.Add(new Token(TokenKind.Symbol, c.ToString(), start));
            }
            else
            {
                throw new StixPatternException($"unexpected character '{c}'", start);
            }
        }

        tokens.Add(new Token(TokenKind.End, string.Empty, text.Length));
        return tokens;
    }

    private static string ReadString(string text, ref int i)
    {
        var start = i;
        i++; // opening quote
        var value = new StringBuilder();
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\\')
            {
                // §9.4: within a string only \' and \\ are escapes.
                if (i + 1 < text.Length && text[i + 1] is '\'' or '\\')
                {
                    value.Append(text[i + 1]);
                    i += 2;
                    continue;
                }

                throw new StixPatternException("invalid escape in string literal (only \\' and \\\\ are allowed)", i);
            }

            if (c == '\'')
            {
                i++;
                return value.ToString();
            }

            value.Append(c);
            i++;
        }

        throw new StixPatternException("unterminated string literal", start);
    }

    private static void Validate(TokenKind kind, string body, int position)
    {
        var valid = kind switch
        {
            // §9.4: t'...' is an RFC 3339 timestamp in UTC ("Z").
            TokenKind.Timestamp => body.EndsWith('Z') && DateTimeOffset.TryParse(body, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _),
            TokenKind.Hex => body.Length % 2 == 0 && body.All(char.IsAsciiHexDigit),
            _ => IsBase64(body),
        };
        if (!valid)
        {
            throw new StixPatternException($"malformed {kind.ToString().ToLowerInvariant()} literal '{body}'", position);
        }
    }

    private static bool IsBase64(string body)
    {
        return body.Length % 4 == 0 && (body.Length == 0 || Convert.TryFromBase64String(body, new byte[body.Length], out _));
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Position);
}

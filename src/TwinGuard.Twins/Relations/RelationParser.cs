using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Relations;

/// <summary>Recursive-descent parser that checks a relation and emits each side as a postfix program.</summary>
/// <remarks>
/// Grammar (lowest precedence first; binary operators are left-associative):
/// <code>
/// relation := expr '~' expr
/// expr     := term (('+' | '-') term)*
/// term     := unary (('*' | '/') unary)*
/// unary    := '-' unary | primary
/// primary  := NUMBER | ref | COEFFICIENT | NAME '(' expr (',' expr)* ')' | '(' expr ')'
/// ref      := ASSET '.' SIGNAL
/// </code>
/// A COEFFICIENT is a bare name declared in the relation's <c>coefficients:</c> (a value calibration may fit); like a
/// number it carries no unit.
/// Units: a reference carries its signal's unit, a number and a product or quotient carry none. Adding, subtracting,
/// comparing with <c>~</c>, or passing to min/max/clamp two operands that both carry a unit requires the same unit.
/// </remarks>
internal sealed class RelationParser
{
    private const int MaxNesting = 64;

    private readonly List<Token> _tokens;
    private readonly PlantModel? _model;
    private readonly IReadOnlyList<string> _coefficients;
    private readonly List<string> _slots = [];
    private readonly List<RelationSlot> _slotInfo = [];
    private List<Instruction> _code = [];
    private int _next;
    private int _nesting;
    private bool _usesDerivative;

    private RelationParser(string text, PlantModel? model, IReadOnlyList<string> coefficients)
    {
        _tokens = RelationTokenizer.Tokenize(text);
        _model = model;
        _coefficients = coefficients;
    }

    public static ParsedRelation Parse(string text, PlantModel? model, IReadOnlyList<string>? coefficients = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new RelationParser(text, model, coefficients ?? []);
        var leftUnit = parser.Expression();
        var left = parser._code;
        if (parser.Peek.Kind != TokenKind.Tilde)
        {
            throw parser.Expected("'~' between the two sides of the relation");
        }

        var tildeToken = parser.Advance();
        parser._code = [];
        var rightUnit = parser.Expression();
        if (parser.Peek.Kind != TokenKind.End)
        {
            throw parser.Expected("an operator or end of expression");
        }

        CheckUnits(tildeToken, leftUnit, rightUnit);
        return new ParsedRelation([.. left], [.. parser._code], [.. parser._slots], [.. parser._slotInfo], parser._usesDerivative);
    }

    private Token Peek => _tokens[_next];

    private Token Advance() => _tokens[_next++];

    private RelationSyntaxException Expected(string what) =>
        new(Peek.Position, $"position {Peek.Position}: expected {what} but found {Peek.Describe()}");

    private string? Expression()
    {
        var unit = Term();
        while (Peek.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var op = Advance();
            var right = Term();
            CheckUnits(op, unit, right);
            Emit(op.Kind == TokenKind.Plus ? OpCode.Add : OpCode.Sub);
            unit ??= right;
        }

        return unit;
    }

    private string? Term()
    {
        var unit = Unary();
        while (Peek.Kind is TokenKind.Star or TokenKind.Slash)
        {
            var op = Advance();
            _ = Unary();
            Emit(op.Kind == TokenKind.Star ? OpCode.Mul : OpCode.Div);

            // Products and quotients are unit-free: derived units are not tracked.
            unit = null;
        }

        return unit;
    }

    private string? Unary()
    {
        if (++_nesting > MaxNesting)
        {
            throw new RelationSyntaxException(Peek.Position, $"position {Peek.Position}: expression nested more than {MaxNesting} levels deep");
        }

        try
        {
            if (Peek.Kind == TokenKind.Minus)
            {
                Advance();
                var unit = Unary();
                Emit(OpCode.Neg);
                return unit;
            }

            return Primary();
        }
        finally
        {
            _nesting--;
        }
    }

    private string? Primary()
    {
        var token = Peek;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Advance();
                _code.Add(new Instruction(OpCode.Push, token.Number, 0));
                return null;
            case TokenKind.LeftParen:
                Advance();
                var unit = Expression();
                Expect(TokenKind.RightParen, "')'");
                return unit;
            case TokenKind.Identifier:
                Advance();
                if (Peek.Kind == TokenKind.LeftParen)
                {
                    return Call(token);
                }

                if (Peek.Kind == TokenKind.Dot)
                {
                    var (slot, signalUnit) = Reference(token);
                    _code.Add(new Instruction(OpCode.Load, 0, slot));
                    return signalUnit;
                }

                if (IndexOfCoefficient(token.Text) is var coefficient and >= 0)
                {
                    _code.Add(new Instruction(OpCode.Coefficient, 0, coefficient));
                    return null;
                }

                throw Expected($"'.' after '{token.Text}' (a reference is asset.signal) or '(' after a function name");
            default:
                throw Expected("a number, asset.signal, function call or '('");
        }
    }

    private (int Slot, string? Unit) Reference(Token asset)
    {
        Expect(TokenKind.Dot, "'.'");
        var signal = Peek;
        if (signal.Kind != TokenKind.Identifier)
        {
            throw Expected($"a signal name after '{asset.Text}.'");
        }

        Advance();
        string? unit = null;
        var signalIndex = -1;
        if (_model is not null)
        {
            var assetModel = _model.FindAsset(asset.Text)
                ?? throw new RelationSyntaxException(asset.Position, $"position {asset.Position}: unknown asset '{asset.Text}'");
            var index = assetModel.IndexOf(signal.Text);
            if (index < 0)
            {
                throw new RelationSyntaxException(signal.Position, $"position {signal.Position}: asset '{asset.Text}' has no signal '{signal.Text}'");
            }

            unit = assetModel.Signals[index].Unit;
            signalIndex = index;
        }

        var name = $"{asset.Text}.{signal.Text}";
        var slot = _slots.IndexOf(name);
        if (slot < 0)
        {
            slot = _slots.Count;
            _slots.Add(name);
            _slotInfo.Add(new RelationSlot(asset.Text, signal.Text, signalIndex, unit));
        }

        return (slot, unit);
    }

    private string? Call(Token name)
    {
        Advance(); // '('
        if (name.Text == "der")
        {
            var asset = Peek;
            if (asset.Kind != TokenKind.Identifier || _tokens[_next + 1].Kind != TokenKind.Dot)
            {
                throw new RelationSyntaxException(asset.Position, $"position {asset.Position}: der() takes a signal reference asset.signal but found {asset.Describe()}");
            }

            Advance();
            var (slot, _) = Reference(asset);
            if (Peek.Kind != TokenKind.RightParen)
            {
                throw new RelationSyntaxException(Peek.Position, $"position {Peek.Position}: der() takes a signal reference asset.signal and nothing else; expected ')' but found {Peek.Describe()}");
            }

            Advance();
            _code.Add(new Instruction(OpCode.Der, 0, slot));
            _usesDerivative = true;

            // The unit of a derivative (unit/s) is not tracked, like products.
            return null;
        }

        var (op, arity) = name.Text switch
        {
            "min" => (OpCode.Min, 2),
            "max" => (OpCode.Max, 2),
            "abs" => (OpCode.Abs, 1),
            "sqrt" => (OpCode.Sqrt, 1),
            "pow" => (OpCode.Pow, 2),
            "clamp" => (OpCode.Clamp, 3),
            _ => throw new RelationSyntaxException(name.Position, $"position {name.Position}: unknown function '{name.Text}' (expected min, max, abs, sqrt, pow, clamp or der)"),
        };

        var units = new List<(Token Token, string? Unit)>();
        while (true)
        {
            var start = Peek;
            units.Add((start, Expression()));
            if (Peek.Kind == TokenKind.Comma)
            {
                Advance();
                continue;
            }

            Expect(TokenKind.RightParen, units.Count < arity ? "',' or ')'" : "')'");
            break;
        }

        if (units.Count != arity)
        {
            throw new RelationSyntaxException(name.Position, $"position {name.Position}: {name.Text}() takes {arity} argument{(arity == 1 ? string.Empty : "s")} but was given {units.Count}");
        }

        Emit(op);
        return op switch
        {
            OpCode.Abs => units[0].Unit,
            OpCode.Min or OpCode.Max or OpCode.Clamp => SameUnit(units),
            _ => null,
        };
    }

    private static string? SameUnit(List<(Token Token, string? Unit)> args)
    {
        string? unit = null;
        foreach (var (token, u) in args)
        {
            if (u is null)
            {
                continue;
            }

            if (unit is not null && unit != u)
            {
                throw new RelationSyntaxException(token.Position, $"unit mismatch at position {token.Position}: {unit} and {u} in one function");
            }

            unit = u;
        }

        return unit;
    }

    private static void CheckUnits(Token op, string? left, string? right)
    {
        if (left is not null && right is not null && left != right)
        {
            throw new RelationSyntaxException(op.Position, $"unit mismatch at position {op.Position}: {left} {op.Text} {right}");
        }
    }

    private int IndexOfCoefficient(string name)
    {
        for (var i = 0; i < _coefficients.Count; i++)
        {
            if (string.Equals(_coefficients[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private void Expect(TokenKind kind, string what)
    {
        if (Peek.Kind != kind)
        {
            throw Expected(what);
        }

        Advance();
    }

    private void Emit(OpCode op) => _code.Add(new Instruction(op, 0, 0));
}

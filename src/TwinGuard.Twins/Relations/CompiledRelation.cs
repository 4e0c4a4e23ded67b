using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Relations;

/// <summary>A twin relation <c>left ~ right</c>, parsed and checked once, evaluated without allocating.</summary>
/// <remarks>
/// <para>Values are passed by slot: <see cref="Slots"/> lists the <c>asset.signal</c> references the relation reads,
/// and <c>values[i]</c> is the current value of <c>Slots[i]</c>.</para>
/// <para><c>der(x)</c> is the backward difference <c>(values[s] − previous[s]) / elapsedSeconds</c>: the caller keeps the
/// previous values (same slot order) and passes them with the seconds elapsed since they were current. With no
/// previous sample (elapsed seconds not above zero) a relation that uses <c>der</c> evaluates to NaN,
/// which the caller should treat as "no residual yet".</para>
/// <para>Each side compiles to a postfix program over a double stack whose size is computed at compile time;
/// evaluation uses a <c>stackalloc</c> of that size, so it allocates nothing on the heap.</para>
/// </remarks>
public sealed class CompiledRelation
{
    private readonly Instruction[] _left;
    private readonly Instruction[] _right;
    private readonly int _stackSize;
    private readonly int _slotCount;
    private readonly double[] _coefficients;

    private CompiledRelation(string expression, ParsedRelation parsed, string[] coefficientNames, double[] coefficients)
    {
        CoefficientNames = coefficientNames;
        _coefficients = coefficients;
        Expression = expression;
        _left = parsed.Left;
        _right = parsed.Right;
        Slots = parsed.Slots;
        _slotCount = parsed.Slots.Length;
        SlotInfo = parsed.SlotInfo;
        SlotUnits = [.. parsed.SlotInfo.Select(s => s.Unit)];
        UsesDerivative = parsed.UsesDerivative;
        _stackSize = Math.Max(StackDepth(_left), StackDepth(_right));
    }

    /// <summary>The expression as written.</summary>
    public string Expression { get; }

    /// <summary>The <c>asset.signal</c> references the relation reads, in slot order (first appearance, left to right).</summary>
    public IReadOnlyList<string> Slots { get; }

    /// <summary>The unit of each slot's signal (null when compiled without a plant model).</summary>
    public IReadOnlyList<string?> SlotUnits { get; }

    /// <summary>Each slot's asset, signal, index within the asset's signals and unit, in slot order.</summary>
    public IReadOnlyList<RelationSlot> SlotInfo { get; }

    /// <summary>True when the relation uses <c>der(...)</c> and therefore needs previous values.</summary>
    public bool UsesDerivative { get; }

    /// <summary>The coefficients the expression may use by name (declared under <c>coefficients:</c>), in index order.</summary>
    public IReadOnlyList<string> CoefficientNames { get; }

    /// <summary>The value of each coefficient, in the order of <see cref="CoefficientNames"/>.</summary>
    public IReadOnlyList<double> Coefficients => _coefficients;

    /// <summary>The slot <c>x</c> when the left side is exactly <c>der(x)</c> (a dynamic relation that predicts the rate
    /// of one signal, so its integrated residual is in that signal's unit); −1 otherwise.</summary>
    public int LeftDerivativeSlot => _left is [{ Op: OpCode.Der } only] ? only.Slot : -1;

    /// <summary>Values the evaluation stack holds at most.</summary>
    public int StackSize => _stackSize;

    /// <summary>Parses and checks a relation against a plant model: every reference must name an asset's signal, and
    /// units must agree where they are added, subtracted or compared.</summary>
    /// <exception cref="RelationSyntaxException">The expression is not valid; the message gives the 1-based position.</exception>
    public static CompiledRelation Compile(string expression, PlantModel model) => Compile(expression, model, null);

    /// <summary>Parses and checks a relation that may use named coefficients (bare names, e.g. <c>k</c>) with their
    /// initial values; the model checks references and units as in <see cref="Compile(string, PlantModel)"/>.</summary>
    /// <exception cref="RelationSyntaxException">The expression is not valid; the message gives the 1-based position.</exception>
    public static CompiledRelation Compile(string expression, PlantModel? model, IReadOnlyList<KeyValuePair<string, double>>? coefficients)
    {
        var names = coefficients?.Select(c => c.Key).ToArray() ?? [];
        var values = coefficients?.Select(c => c.Value).ToArray() ?? [];
        return new CompiledRelation(expression, RelationParser.Parse(expression, model, names), names, values);
    }

    /// <summary>Parses a relation without a plant model: references and units are not checked.</summary>
    /// <exception cref="RelationSyntaxException">The expression is not valid; the message gives the 1-based position.</exception>
    public static CompiledRelation Compile(string expression) => Compile(expression, null, null);

    /// <summary>The same relation with other coefficient values (calibration), sharing the compiled program.</summary>
    /// <exception cref="ArgumentException">The number of values is not the number of coefficients.</exception>
    public CompiledRelation WithCoefficients(ReadOnlySpan<double> values)
    {
        if (values.Length != _coefficients.Length)
        {
            throw new ArgumentException($"'{Expression}' has {_coefficients.Length} coefficients but {values.Length} values were given", nameof(values));
        }

        return new CompiledRelation(this, values.ToArray());
    }

    private CompiledRelation(CompiledRelation other, double[] coefficients)
    {
        Expression = other.Expression;
        _left = other._left;
        _right = other._right;
        Slots = other.Slots;
        _slotCount = other._slotCount;
        SlotInfo = other.SlotInfo;
        SlotUnits = other.SlotUnits;
        UsesDerivative = other.UsesDerivative;
        _stackSize = other._stackSize;
        CoefficientNames = other.CoefficientNames;
        _coefficients = coefficients;
    }

    /// <summary>The residual <c>left − right</c> of an algebraic relation (one without <c>der</c>).</summary>
    /// <exception cref="InvalidOperationException">The relation uses <c>der</c>: call the overload with previous values.</exception>
    public double Residual(ReadOnlySpan<double> values)
    {
        if (UsesDerivative)
        {
            throw new InvalidOperationException($"'{Expression}' uses der(): pass the previous values and the elapsed seconds");
        }

        return Residual(values, values, 0);
    }

    /// <summary>The residual <c>left − right</c>, with <c>der</c> computed from <paramref name="previous"/> values
    /// <paramref name="elapsedSeconds"/> ago.</summary>
    /// <exception cref="ArgumentException">A span is shorter than <see cref="Slots"/>.</exception>
    public double Residual(ReadOnlySpan<double> values, ReadOnlySpan<double> previous, double elapsedSeconds)
    {
        CheckLengths(values, previous);
        Span<double> stack = stackalloc double[_stackSize];
        return Run(_left, values, previous, elapsedSeconds, _coefficients, stack) - Run(_right, values, previous, elapsedSeconds, _coefficients, stack);
    }

    /// <summary>The residual with other coefficient values than the compiled ones (calibration's trial values).</summary>
    internal double Residual(ReadOnlySpan<double> values, ReadOnlySpan<double> previous, double elapsedSeconds, ReadOnlySpan<double> coefficients)
    {
        CheckLengths(values, previous);
        Span<double> stack = stackalloc double[_stackSize];
        return Run(_left, values, previous, elapsedSeconds, coefficients, stack) - Run(_right, values, previous, elapsedSeconds, coefficients, stack);
    }

    /// <summary>The left side alone (e.g. the measured value on the dashboard).</summary>
    public double EvaluateLeft(ReadOnlySpan<double> values, ReadOnlySpan<double> previous, double elapsedSeconds)
    {
        CheckLengths(values, previous);
        Span<double> stack = stackalloc double[_stackSize];
        return Run(_left, values, previous, elapsedSeconds, _coefficients, stack);
    }

    /// <summary>The right side alone (the value the physics predicts; with the tolerance, the expected band).</summary>
    public double EvaluateRight(ReadOnlySpan<double> values, ReadOnlySpan<double> previous, double elapsedSeconds)
    {
        CheckLengths(values, previous);
        Span<double> stack = stackalloc double[_stackSize];
        return Run(_right, values, previous, elapsedSeconds, _coefficients, stack);
    }

    /// <inheritdoc />
    public override string ToString() => Expression;

    private void CheckLengths(ReadOnlySpan<double> values, ReadOnlySpan<double> previous)
    {
        if (values.Length < _slotCount)
        {
            throw new ArgumentException($"'{Expression}' reads {Slots.Count} slots but {values.Length} values were given", nameof(values));
        }

        if (UsesDerivative && previous.Length < _slotCount)
        {
            throw new ArgumentException($"'{Expression}' reads {Slots.Count} slots but {previous.Length} previous values were given", nameof(previous));
        }
    }

    private static double Run(Instruction[] code, ReadOnlySpan<double> values, ReadOnlySpan<double> previous, double dt, ReadOnlySpan<double> coefficients, Span<double> stack)
    {
        var top = -1;
        foreach (ref readonly var ins in code.AsSpan())
        {
            switch (ins.Op)
            {
                case OpCode.Push:
                    stack[++top] = ins.Value;
                    break;
                case OpCode.Load:
                    stack[++top] = values[ins.Slot];
                    break;
                case OpCode.Coefficient:
                    stack[++top] = coefficients[ins.Slot];
                    break;
                case OpCode.Der:
                    stack[++top] = dt > 0 ? (values[ins.Slot] - previous[ins.Slot]) / dt : double.NaN;
                    break;
                case OpCode.Add:
                    top--;
                    stack[top] += stack[top + 1];
                    break;
                case OpCode.Sub:
                    top--;
                    stack[top] -= stack[top + 1];
                    break;
                case OpCode.Mul:
                    top--;
                    stack[top] *= stack[top + 1];
                    break;
                case OpCode.Div:
                    top--;
                    stack[top] /= stack[top + 1];
                    break;
                case OpCode.Neg:
                    stack[top] = -stack[top];
                    break;
                case OpCode.Min:
                    top--;
                    stack[top] = Math.Min(stack[top], stack[top + 1]);
                    break;
                case OpCode.Max:
                    top--;
                    stack[top] = Math.Max(stack[top], stack[top + 1]);
                    break;
                case OpCode.Abs:
                    stack[top] = Math.Abs(stack[top]);
                    break;
                case OpCode.Sqrt:
                    stack[top] = Math.Sqrt(stack[top]);
                    break;
                case OpCode.Pow:
                    top--;
                    stack[top] = Math.Pow(stack[top], stack[top + 1]);
                    break;
                case OpCode.Clamp:
                    top -= 2;
                    stack[top] = Clamp(stack[top], stack[top + 1], stack[top + 2]);
                    break;
                default:
                    throw new InvalidOperationException($"unknown instruction {ins.Op}");
            }
        }

        return stack[0];
    }

    // Math.Clamp throws when lo > hi; a relation must not throw on live data, so this never does.
    private static double Clamp(double x, double lo, double hi) => Math.Min(Math.Max(x, lo), hi);

    private static int StackDepth(Instruction[] code)
    {
        int depth = 0, max = 0;
        foreach (var ins in code)
        {
            depth += ins.Op switch
            {
                OpCode.Push or OpCode.Load or OpCode.Coefficient or OpCode.Der => 1,
                OpCode.Neg or OpCode.Abs or OpCode.Sqrt => 0,
                OpCode.Clamp => -2,
                _ => -1,
            };
            max = Math.Max(max, depth);
        }

        return max;
    }
}

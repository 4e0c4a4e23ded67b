using System.Globalization;

namespace TwinGuard.Twins.Tests.Relations;

/// <summary>A random arithmetic expression for round-trip properties, with its own printer and direct evaluator.</summary>
/// <param name="Op"><c>num</c>, <c>ref</c>, <c>der</c>, <c>neg</c>, <c>+ - * /</c>, or a function name.</param>
/// <param name="Value">The constant of <c>num</c>; the slot of <c>ref</c> and <c>der</c>.</param>
/// <param name="Args">Operands.</param>
internal sealed record ExpressionTree(string Op, double Value, ExpressionTree[] Args)
{
    public static readonly string[] SlotNames = ["a.x", "b.y", "c.z"];

    private int Precedence => Op switch
    {
        "+" or "-" => 1,
        "*" or "/" => 2,
        "neg" => 3,
        _ => 4,
    };

    /// <summary>Prints with the fewest parentheses the grammar needs, so parsing exercises precedence and associativity.</summary>
    public string Print() => Op switch
    {
        "num" => Value.ToString("R", CultureInfo.InvariantCulture),
        "ref" => SlotNames[(int)Value],
        "der" => $"der({SlotNames[(int)Value]})",
        "neg" => "-" + Wrap(Args[0], Args[0].Precedence < 3),
        "+" or "-" or "*" or "/" =>
            $"{Wrap(Args[0], Args[0].Precedence < Precedence)} {Op} {Wrap(Args[1], Args[1].Precedence <= Precedence)}",
        _ => $"{Op}({string.Join(", ", Args.Select(a => a.Print()))})",
    };

    public double Evaluate(double[] values, double[] previous, double dt) => Op switch
    {
        "num" => Value,
        "ref" => values[(int)Value],
        "der" => (values[(int)Value] - previous[(int)Value]) / dt,
        "neg" => -Args[0].Evaluate(values, previous, dt),
        "+" => Args[0].Evaluate(values, previous, dt) + Args[1].Evaluate(values, previous, dt),
        "-" => Args[0].Evaluate(values, previous, dt) - Args[1].Evaluate(values, previous, dt),
        "*" => Args[0].Evaluate(values, previous, dt) * Args[1].Evaluate(values, previous, dt),
        "/" => Args[0].Evaluate(values, previous, dt) / Args[1].Evaluate(values, previous, dt),
        "min" => Math.Min(Args[0].Evaluate(values, previous, dt), Args[1].Evaluate(values, previous, dt)),
        "max" => Math.Max(Args[0].Evaluate(values, previous, dt), Args[1].Evaluate(values, previous, dt)),
        "abs" => Math.Abs(Args[0].Evaluate(values, previous, dt)),
        "sqrt" => Math.Sqrt(Args[0].Evaluate(values, previous, dt)),
        "pow" => Math.Pow(Args[0].Evaluate(values, previous, dt), Args[1].Evaluate(values, previous, dt)),
        "clamp" => Math.Min(Math.Max(Args[0].Evaluate(values, previous, dt), Args[1].Evaluate(values, previous, dt)), Args[2].Evaluate(values, previous, dt)),
        _ => throw new InvalidOperationException(Op),
    };

    public override string ToString() => Print();

    private static string Wrap(ExpressionTree tree, bool parenthesize) => parenthesize ? $"({tree.Print()})" : tree.Print();
}

using FsCheck;
using FsCheck.Fluent;
using TwinGuard.Twins.Relations;

namespace TwinGuard.Twins.Tests.Relations;

public sealed class RelationRoundTripProperties
{
    private static readonly Gen<ExpressionTree> Leaf = Gen.OneOf(
        from mantissa in Gen.Choose(0, 100_000)
        from exponent in Gen.Choose(-8, 8)
        select new ExpressionTree("num", mantissa * Math.Pow(10, exponent), []),
        from slot in Gen.Choose(0, 2)
        select new ExpressionTree("ref", slot, []),
        from slot in Gen.Choose(0, 2)
        select new ExpressionTree("der", slot, []));

    private static Gen<ExpressionTree> Tree(int size)
    {
        if (size <= 0)
        {
            return Leaf;
        }

        var child = Gen.Sized(_ => Tree(size / 2));
        Gen<ExpressionTree> Node(string op, int arity) =>
            from args in Gen.ArrayOf(child, arity)
            select new ExpressionTree(op, 0, args);
        return Gen.OneOf(
            Leaf,
            Node("+", 2), Node("-", 2), Node("*", 2), Node("/", 2), Node("neg", 1),
            Node("min", 2), Node("max", 2), Node("abs", 1), Node("sqrt", 1), Node("pow", 2), Node("clamp", 3));
    }

    private static readonly Gen<double> Value =
        from n in Gen.Choose(-100_000, 100_000)
        select n / 100.0;

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Compile_PrintedTree_EvaluatesLikeTheTree()
    {
        var gen =
            from tree in Gen.Sized(Tree)
            from values in Gen.ArrayOf(Value, 3)
            from previous in Gen.ArrayOf(Value, 3)
            from ms in Gen.Choose(1, 5000)
            select (tree, values, previous, dt: ms / 1000.0);
        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var (tree, values, previous, dt) = input;
            var text = tree.Print() + " ~ 0";
            var relation = CompiledRelation.Compile(text);
            var slotValues = relation.Slots.Select(s => values[Array.IndexOf(ExpressionTree.SlotNames, s)]).ToArray();
            var slotPrevious = relation.Slots.Select(s => previous[Array.IndexOf(ExpressionTree.SlotNames, s)]).ToArray();
            var expected = tree.Evaluate(values, previous, dt);
            var actual = relation.Residual(slotValues, slotPrevious, dt);
            return (expected.Equals(actual)).Label($"{text}: tree {expected}, compiled {actual}");
        });
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Compile_AnyText_EitherCompilesOrThrowsSyntaxErrorWithPositionInside()
    {
        var chars = "ab.xy()+-*/~, 0123456789eminpowder".ToCharArray();
        var gen =
            from length in Gen.Choose(0, 30)
            from text in Gen.ArrayOf(Gen.Elements(chars), length)
            select new string(text);
        return Prop.ForAll(gen.ToArbitrary(), text =>
        {
            try
            {
                _ = CompiledRelation.Compile(text);
                return true.Label(text);
            }
            catch (RelationSyntaxException ex)
            {
                return (ex.Position >= 1 && ex.Position <= text.Length + 1 && ex.Message.Contains($"position {ex.Position}", StringComparison.Ordinal))
                    .Label($"'{text}': {ex.Message}");
            }
        });
    }
}

using TwinGuard.Twins.Relations;

namespace TwinGuard.Twins.Tests.Relations;

public sealed class RelationSyntaxErrorTests
{
    [Theory]
    [InlineData("pump1.flow ~ (1 2)", 17, "position 17: expected ')' but found '2'")]
    [InlineData("pump1.flow ~ (pump1.speed * 2", 30, "position 30: expected ')' but found end of expression")]
    [InlineData("pump1.flow + 1", 15, "position 15: expected '~' between the two sides of the relation but found end of expression")]
    [InlineData("pump1.flow ~ 2 # 3", 16, "position 16: unexpected character '#'")]
    [InlineData("pump1.flow ~ 1 )", 16, "position 16: expected an operator or end of expression but found ')'")]
    [InlineData("pump1.flow ~ 1 ~ 2", 16, "position 16: expected an operator or end of expression but found '~'")]
    [InlineData("pump1 ~ 1", 7, "position 7: expected '.' after 'pump1' (a reference is asset.signal) or '(' after a function name but found '~'")]
    [InlineData("pump1. ~ 1", 8, "position 8: expected a signal name after 'pump1.' but found '~'")]
    [InlineData("", 1, "position 1: expected a number, asset.signal, function call or '(' but found end of expression")]
    [InlineData("pump1.flow ~ * 2", 14, "position 14: expected a number, asset.signal, function call or '(' but found '*'")]
    [InlineData("pump1.flow ~ 1e+", 17, "position 17: expected digits of the exponent")]
    [InlineData("pump1.flow ~ 1e999", 14, "position 14: '1e999' is not a finite number")]
    [InlineData("pump1.flow ~ foo(1)", 14, "position 14: unknown function 'foo' (expected min, max, abs, sqrt, pow, clamp or der)")]
    [InlineData("pump1.flow ~ min(1)", 14, "position 14: min() takes 2 arguments but was given 1")]
    [InlineData("pump1.flow ~ abs(1, 2)", 14, "position 14: abs() takes 1 argument but was given 2")]
    [InlineData("pump1.flow ~ clamp(1, 2, 3, 4)", 14, "position 14: clamp() takes 3 arguments but was given 4")]
    [InlineData("pump1.flow ~ min(1, 2", 22, "position 22: expected ')' but found end of expression")]
    [InlineData("der(2 * pump1.flow) ~ 1", 5, "position 5: der() takes a signal reference asset.signal but found '2'")]
    [InlineData("der(pump1) ~ 1", 5, "position 5: der() takes a signal reference asset.signal but found 'pump1'")]
    [InlineData("der(pump1.flow + 1) ~ 1", 16, "position 16: der() takes a signal reference asset.signal and nothing else; expected ')' but found '+'")]
    [InlineData("der(der(pump1.flow)) ~ 1", 5, "position 5: der() takes a signal reference asset.signal but found 'der'")]
    public void Compile_Malformed_ReportsPositionAndExpectation(string expression, int position, string message)
    {
        var error = Assert.Throws<RelationSyntaxException>(() => CompiledRelation.Compile(expression));
        Assert.Equal(position, error.Position);
        Assert.Equal(message, error.Message);
        Assert.IsAssignableFrom<FormatException>(error);
    }

    [Theory]
    [InlineData("pumpX.flow ~ 1", 1, "position 1: unknown asset 'pumpX'")]
    [InlineData("pump1.flw ~ 1", 7, "position 7: asset 'pump1' has no signal 'flw'")]
    [InlineData("pump1.flow ~ 2 * tank1.volume", 24, "position 24: asset 'tank1' has no signal 'volume'")]
    [InlineData("der(tankX.level) ~ 0", 5, "position 5: unknown asset 'tankX'")]
    [InlineData("pump1.flow ~ pump1.flow + pump1.pressure", 25, "unit mismatch at position 25: l/min + bar")]
    [InlineData("pump1.flow ~ 1 - pump1.pressure", 12, "unit mismatch at position 12: l/min ~ bar")]
    [InlineData("pump1.flow ~ pump1.pressure", 12, "unit mismatch at position 12: l/min ~ bar")]
    [InlineData("pump1.flow ~ min(pump1.flow, pump1.pressure)", 30, "unit mismatch at position 30: l/min and bar in one function")]
    [InlineData("pump1.flow ~ -pump1.speed + abs(pump1.flow)", 27, "unit mismatch at position 27: rpm + l/min")]
    public void Compile_AgainstPlant_ReportsUnknownNamesAndUnitMismatches(string expression, int position, string message)
    {
        var error = Assert.Throws<RelationSyntaxException>(() => CompiledRelation.Compile(expression, SamplePlant.Load()));
        Assert.Equal(position, error.Position);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("pump1.flow ~ pump1.flow + 1")]
    [InlineData("pump1.flow ~ pump1.speed * pump1.pressure")]
    [InlineData("pump1.flow ~ pump1.speed / pump1.pressure - 3")]
    [InlineData("pump1.flow ~ 2 * pump1.flow + pump1.speed * 0.01")]
    [InlineData("der(tank1.level) ~ pump1.flow / 600000")]
    public void Compile_UnitsAgreeOrAreUntracked_Succeeds(string expression) =>
        Assert.NotEmpty(CompiledRelation.Compile(expression, SamplePlant.Load()).Slots);

    [Fact]
    public void Compile_NestedTooDeep_ReportsPosition()
    {
        var expression = "pump1.flow ~ " + new string('(', 80) + "1" + new string(')', 80);
        var error = Assert.Throws<RelationSyntaxException>(() => CompiledRelation.Compile(expression));
        Assert.Equal(13 + 65, error.Position);
        Assert.Contains("nested more than 64 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_HyphenatedName_IsSubtractionNotAnIdentifier()
    {
        var error = Assert.Throws<RelationSyntaxException>(() => CompiledRelation.Compile("pump1.flow ~ conveyor-plc.x", SamplePlant.Load()));
        Assert.Equal(22, error.Position);
        Assert.StartsWith("position 22: expected '.' after 'conveyor'", error.Message, StringComparison.Ordinal);
    }
}

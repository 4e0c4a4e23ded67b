using TwinGuard.Intel.Formats.Stix;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Tests.Formats;

public sealed class StixPatternParserTests
{
    [Fact]
    public void Parse_AndBindsTighterThanOr()
    {
        var pattern = StixPatternParser.Parse("[ipv4-addr:value = '192.0.2.1' OR domain-name:value = 'a.example' AND url:value = 'http://a.example/']");

        var observation = Assert.IsType<StixObservation>(pattern);
        var or = Assert.IsType<StixComparisonOperation>(observation.Comparison);
        Assert.Equal("OR", or.Operator);
        Assert.Equal("AND", Assert.IsType<StixComparisonOperation>(or.Right).Operator);
    }

    [Fact]
    public void Parse_QuotedPathComponentAndEscapes_Unescapes()
    {
        var pattern = StixPatternParser.Parse(@"[file:hashes.'SHA-256' = 'ab\'c\\d']");

        var comparison = Assert.IsType<StixComparison>(Assert.IsType<StixObservation>(pattern).Comparison);
        Assert.Equal("file", comparison.Path.ObjectType);
        Assert.Equal(["hashes", "SHA-256"], comparison.Path.Properties);
        Assert.Equal(@"ab'c\d", comparison.Value!.Text);
    }

    [Fact]
    public void Parse_ObservationOperatorsAndQualifiers_BuildsTree()
    {
        var pattern = StixPatternParser.Parse(
            "([ipv4-addr:value = '192.0.2.1'] AND [domain-name:value = 'x.example']) WITHIN 300 SECONDS " +
            "FOLLOWEDBY [network-traffic:dst_port >= 502 AND network-traffic:protocols[*] = 'tcp'] REPEATS 3 TIMES " +
            "START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'");

        var followed = Assert.IsType<StixObservationOperation>(pattern);
        Assert.Equal("FOLLOWEDBY", followed.Operator);
        var and = Assert.IsType<StixObservationOperation>(followed.Left);
        Assert.Equal(["WITHIN 300 SECONDS"], Assert.IsType<StixObservation>(and.Left).Qualifiers);
        var right = Assert.IsType<StixObservation>(followed.Right);
        Assert.Equal(2, right.Qualifiers.Count);
        var protocols = Assert.IsType<StixComparison>(Assert.IsType<StixComparisonOperation>(right.Comparison).Right);
        Assert.Equal("protocols[*]", protocols.Path.PropertyPath);
    }

    [Fact]
    public void Parse_AllOperators_Parse()
    {
        var pattern = StixPatternParser.Parse(
            "[a:b != 1 AND a:c NOT = true AND a:d IN ('x', 'y', 2) AND a:e LIKE 'x%' AND a:f MATCHES '^x$' " +
            "AND a:g ISSUBSET '10.0.0.0/8' AND a:h ISSUPERSET '10.0.0.0/8' AND a:i < 2.5 AND EXISTS a:j " +
            "AND a:k = h'0aff' AND a:l = b'AAEC']");

        Assert.IsType<StixObservation>(pattern);
    }

    [Theory]
    [InlineData("ipv4-addr:value = '1.2.3.4'", "expected '[' to open an observation expression", 1)]
    [InlineData("[ipv4-addr:value = '1.2.3.4'", "expected ']'", 29)]
    [InlineData("[ipv4-addr:value = '1.2.3.4]", "unterminated string literal", 20)]
    [InlineData("[ipv4-addr:value == '1.2.3.4']", "'==' is not an operator", 18)]
    [InlineData("[ipv4-addr value = '1.2.3.4']", "expected ':' after object type", 12)]
    [InlineData("[ipv4-addr:value = '1.2.3.4'] and [x:y = 1]", "unexpected 'and'", 31)]
    [InlineData("[a:b = 'x\\n']", "invalid escape", 10)]
    [InlineData("[a:b IN 'x']", "expected '(' to open the set", 9)]
    [InlineData("[a:b > true]", "orderable literal", 6)]
    [InlineData("[a:b = t'yesterday']", "malformed timestamp literal", 8)]
    [InlineData("[a:b = 1] REPEATS 0 TIMES", "positive integer", 19)]
    [InlineData("[]", "expected an object type", 2)]
    public void Parse_Malformed_SaysWhatAndWhere(string text, string message, int column)
    {
        var ex = Assert.Throws<StixPatternException>(() => StixPatternParser.Parse(text));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Equal(column, ex.Position + 1);
    }

    [Fact]
    public void Compile_OrOfEqualities_YieldsCompleteAtoms()
    {
        var atoms = StixIndicatorCompiler.Compile(
            StixPatternParser.Parse("[ipv4-addr:value = '192.0.2.1' OR ipv6-addr:value = '2001:db8::/32'] OR [domain-name:value IN ('a.example', 'b.example')]"),
            out var unusable);

        Assert.Equal(["IPAddress:192.0.2.1", "IPAddress:2001:db8::/32", "Domain:a.example", "Domain:b.example"],
            atoms.Select(a => $"{a.Type}:{a.Value}"));
        Assert.All(atoms, a => Assert.Empty(a.AlsoRequires));
        Assert.Empty(unusable);
    }

    [Fact]
    public void Compile_HashesOfOneFile_EachIdentifiesIt()
    {
        var atoms = StixIndicatorCompiler.Compile(
            StixPatternParser.Parse($"[file:hashes.MD5 = '{new string('a', 32)}' AND file:hashes.'SHA-256' = '{new string('b', 64)}']"),
            out _);

        Assert.Equal([IndicatorType.Md5, IndicatorType.Sha256], atoms.Select(a => a.Type));
        Assert.All(atoms, a => Assert.Empty(a.AlsoRequires));
    }

    [Fact]
    public void Compile_AndAcrossObservables_MarksAtomsIncomplete()
    {
        var atoms = StixIndicatorCompiler.Compile(
            StixPatternParser.Parse("[ipv4-addr:value = '192.0.2.1'] AND [network-traffic:dst_port = 502]"), out _);

        var atom = Assert.Single(atoms);
        Assert.Equal(["network-traffic:dst_port = 502"], atom.AlsoRequires);
    }

    [Fact]
    public void Compile_IsSubsetAndNegation_OnlyIsSubsetIsAnAtom()
    {
        var atoms = StixIndicatorCompiler.Compile(
            StixPatternParser.Parse("[ipv4-addr:value ISSUBSET '198.51.100.0/24'] OR [ipv4-addr:value NOT = '192.0.2.1']"),
            out var unusable);

        Assert.Equal("198.51.100.0/24", Assert.Single(atoms).Value);
        Assert.Equal(["ipv4-addr:value NOT = '192.0.2.1'"], unusable);
    }

    [Fact]
    public void Compile_Explosion_IsRefused()
    {
        var set = "(" + string.Join(", ", Enumerable.Range(0, 20).Select(i => $"'{i}.example'")) + ")";
        var pattern = StixPatternParser.Parse($"[domain-name:value IN {set} AND url:value IN {set}]");

        Assert.Throws<StixPatternException>(() => StixIndicatorCompiler.Compile(pattern, out _));
    }
}

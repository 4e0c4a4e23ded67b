using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TwinGuard.Intel.Formats.Stix;

namespace TwinGuard.Intel.Tests.Formats;

public sealed class StixPatternPropertyTests
{
    [Property(MaxTest = 200)]
    public Property ParseAndCompile_OrOfObservations_YieldsEveryValueOnce(byte[][] addresses, bool[] bracketEach, PositiveInt labelCount)
    {
        var values = addresses
            .Where(a => a is { Length: >= 4 })
            .Select((a, i) => i % 2 == 0 ? $"{a[0]}.{a[1]}.{a[2]}.{a[3]}" : $"h{a[0]}-{a[1]}.{new string('x', 1 + (labelCount.Get % 5))}.example")
            .Distinct()
            .Take(20)
            .ToList();
        if (values.Count == 0)
        {
            return true.ToProperty();
        }

        // Each value its own observation, or all in one observation: the same disjunction either way.
        string Comparison(string v) => v.StartsWith('h') ? $"domain-name:value = '{v}'" : $"ipv4-addr:value = '{v}'";
        var oneObservation = bracketEach.Length > 0 && bracketEach[0];
        var pattern = oneObservation
            ? "[" + string.Join(" OR ", values.Select(Comparison)) + "]"
            : string.Join(" OR ", values.Select(v => $"[{Comparison(v)}]"));

        var atoms = StixIndicatorCompiler.Compile(StixPatternParser.Parse(pattern), out var unusable);

        return (atoms.Select(a => a.Value).SequenceEqual(values) && atoms.All(a => a.AlsoRequires.Count == 0) && unusable.Count == 0)
            .Label(pattern);
    }

    [Property(MaxTest = 200)]
    public Property Parse_StringLiteral_RoundTripsEscapes(NonNull<string> text)
    {
        var escaped = text.Get.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);

        var comparison = (StixComparison)((StixObservation)StixPatternParser.Parse($"[x-custom:value = '{escaped}']")).Comparison;

        return (comparison.Value!.Text == text.Get).Label(escaped);
    }
}

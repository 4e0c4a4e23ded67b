using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Formats.Stix;

/// <summary>
/// Turns a parsed STIX pattern into the values the IOC index can hold: the pattern is rewritten into a disjunction
/// of AND clauses, and each equality on an address, domain, URL or file hash becomes an atom.
/// </summary>
/// <remarks>
/// An AND clause of several file hashes names one file by several digests, so each hash alone identifies it. Any
/// other AND clause yields atoms that are incomplete on their own: they carry the rest of the clause in
/// <see cref="StixPatternAtom.AlsoRequires"/>. Observation-level AND and FOLLOWEDBY are treated as AND, and
/// qualifiers (WITHIN, REPEATS, START/STOP) are not enforced (STIX 2.1 §9.7 leaves matching to the consumer).
/// </remarks>
public static class StixIndicatorCompiler
{
    /// <summary>Most alternatives a pattern may expand to before it is refused.</summary>
    public const int MaxClauses = 256;

    /// <summary>Compiles a parsed pattern.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="unusable">The AND clauses that name nothing the index can hold, as text.</param>
    /// <returns>The atoms.</returns>
    /// <exception cref="StixPatternException">The pattern expands to more than <see cref="MaxClauses"/> alternatives.</exception>
    public static IReadOnlyList<StixPatternAtom> Compile(StixObservationExpression pattern, out IReadOnlyList<string> unusable)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var atoms = new List<StixPatternAtom>();
        var skipped = new List<string>();
        foreach (var clause in Clauses(pattern))
        {
            var indexable = new List<(StixComparison Comparison, IndicatorType Type, string Value)>();
            var conditions = new List<string>();
            foreach (var comparison in clause)
            {
                if (TryAtom(comparison, out var type, out var value))
                {
                    indexable.Add((comparison, type, value));
                }
                else
                {
                    conditions.Add(comparison.ToString());
                }
            }

            if (indexable.Count == 0)
            {
                skipped.Add(string.Join(" AND ", clause));
                continue;
            }

            var sameFile = conditions.Count == 0 && indexable.All(a => a.Type is IndicatorType.Md5 or IndicatorType.Sha1 or IndicatorType.Sha256);
            foreach (var (comparison, type, value) in indexable)
            {
                IReadOnlyList<string> others = sameFile
                    ? []
                    : [.. indexable.Where(a => !ReferenceEquals(a.Comparison, comparison)).Select(a => a.Comparison.ToString()), .. conditions];
                atoms.Add(new StixPatternAtom(type, value, others));
            }
        }

        unusable = skipped;
        return atoms;
    }

    private static List<List<StixComparison>> Clauses(StixObservationExpression expression) => expression switch
    {
        StixObservation observation => Clauses(observation.Comparison),
        StixObservationOperation { Operator: "OR" } or => [.. Clauses(or.Left), .. Clauses(or.Right)],
        StixObservationOperation and => Cross(Clauses(and.Left), Clauses(and.Right)),
        _ => throw new ArgumentException($"unknown pattern node {expression.GetType().Name}", nameof(expression)),
    };

    private static List<List<StixComparison>> Clauses(StixComparisonExpression expression)
    {
        switch (expression)
        {
            case StixComparisonOperation { Operator: "OR" } or:
                var both = Clauses(or.Left);
                both.AddRange(Clauses(or.Right));
                return Check(both);
            case StixComparisonOperation and:
                return Cross(Clauses(and.Left), Clauses(and.Right));
            case StixComparison { Operator: "IN", Negated: false, Value: { } set } comparison:
                // §9.6: "a IN (x, y)" is "a = x OR a = y".
                return Check(set.Items.Select(item => new List<StixComparison> { comparison with { Operator = "=", Value = item } }).ToList());
            case StixComparison comparison:
                return [[comparison]];
            default:
                throw new ArgumentException($"unknown comparison node {expression.GetType().Name}", nameof(expression));
        }
    }

    private static List<List<StixComparison>> Cross(List<List<StixComparison>> left, List<List<StixComparison>> right)
    {
        if ((long)left.Count * right.Count > MaxClauses)
        {
            throw new StixPatternException($"the pattern expands to more than {MaxClauses} alternatives");
        }

        return left.SelectMany(l => right.Select(r => l.Concat(r).ToList())).ToList();
    }

    private static List<List<StixComparison>> Check(List<List<StixComparison>> clauses) =>
        clauses.Count > MaxClauses
            ? throw new StixPatternException($"the pattern expands to more than {MaxClauses} alternatives")
            : clauses;

    private static bool TryAtom(StixComparison comparison, out IndicatorType type, out string value)
    {
        type = default;
        value = string.Empty;
        if (comparison.Negated || comparison.Value is not { Kind: "string" } literal)
        {
            return false;
        }

        value = literal.Text;
        var path = comparison.Path;
        var property = path.PropertyPath;

        // §9.6 ISSUBSET on an address: "the address is in this network" - the CIDR itself is the indicator.
        if (comparison.Operator == "ISSUBSET" && path.ObjectType is "ipv4-addr" or "ipv6-addr" && property == "value")
        {
            type = IndicatorType.IPAddress;
            return true;
        }

        if (comparison.Operator != "=")
        {
            return false;
        }

        switch (path.ObjectType)
        {
            case "ipv4-addr" or "ipv6-addr" when property == "value":
            case "network-traffic" when property is "src_ref.value" or "dst_ref.value" && IndicatorValue.TryParseNetwork(value, out _, out _, out _):
                type = IndicatorType.IPAddress;
                return true;
            case "domain-name" when property == "value":
            case "network-traffic" when property is "src_ref.value" or "dst_ref.value":
                type = IndicatorType.Domain;
                return true;
            case "url" when property == "value":
                type = IndicatorType.Url;
                return true;
            case "file" or "artifact" when path.Properties.Count == 2 && path.Properties[0] == "hashes":
                // §10.1 hash-algorithm-ov: MD5, SHA-1, SHA-256 (producers also write SHA1, SHA256).
                switch (path.Properties[1].ToUpperInvariant())
                {
                    case "MD5":
                        type = IndicatorType.Md5;
                        return true;
                    case "SHA-1" or "SHA1":
                        type = IndicatorType.Sha1;
                        return true;
                    case "SHA-256" or "SHA256":
                        type = IndicatorType.Sha256;
                        return true;
                    default:
                        return false;
                }

            default:
                return false;
        }
    }
}

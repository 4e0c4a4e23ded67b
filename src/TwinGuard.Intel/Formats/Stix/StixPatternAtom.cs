using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Formats.Stix;

/// <summary>One value a STIX pattern names that the IOC index can hold, with what else the pattern requires alongside it.</summary>
/// <param name="Type">The indicator type.</param>
/// <param name="Value">The raw value from the pattern.</param>
/// <param name="AlsoRequires">The other comparisons of its AND clause; empty when this value alone satisfies the pattern.</param>
public sealed record StixPatternAtom(IndicatorType Type, string Value, IReadOnlyList<string> AlsoRequires);

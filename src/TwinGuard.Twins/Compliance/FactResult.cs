namespace TwinGuard.Twins.Compliance;

/// <summary>What one piece of evidence showed.</summary>
/// <param name="Status">Met, partly met or not met.</param>
/// <param name="Summary">One line for people, with the figures.</param>
/// <param name="Values">The configuration values or counts behind it, by name.</param>
/// <param name="Entries">Ledger entries it cites (each proven in the report).</param>
public sealed record FactResult(ControlStatus Status, string Summary, IReadOnlyDictionary<string, string> Values, IReadOnlyList<long> Entries)
{
    /// <summary>A result without values.</summary>
    public static FactResult Of(ControlStatus status, string summary, params long[] entries) =>
        new(status, summary, new Dictionary<string, string>(), entries);
}

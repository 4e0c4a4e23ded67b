namespace TwinGuard.Twins.Plant;

/// <summary>Settings of the first correlation rule: N findings on one asset within a window open an incident.</summary>
/// <param name="Window">The sliding window.</param>
/// <param name="FindingsForIncident">Findings within the window that open an incident.</param>
public sealed record CorrelationSettings(TimeSpan Window, int FindingsForIncident)
{
    /// <summary>
    /// How long an incident stays a stage that a later incident can continue (shared device or address, and an ATT&amp;CK
    /// tactic no earlier in the kill chain): the later one opens as a stage of its campaign. Zero links nothing.
    /// </summary>
    /// <value>2 hours.</value>
    public TimeSpan CampaignWindow { get; init; } = TimeSpan.FromHours(2);

    /// <summary>The sequence rules (<c>correlation.sequences</c>); the two built-in ones when the plant model gives none.</summary>
    public IReadOnlyList<SequenceRule> Sequences { get; init; } = DefaultSequences(TimeSpan.FromSeconds(30));

    /// <summary>
    /// The built-in rules: a write the Modbus guard refused or that bypassed it, then a process anomaly; an IDS alert,
    /// then a process anomaly (both within <paramref name="within"/>, on the same asset).
    /// </summary>
    public static IReadOnlyList<SequenceRule> DefaultSequences(TimeSpan within)
    {
        var reasons = Enum.GetValues<Findings.ReasonCode>();
        var anomaly = new FindingCondition([.. reasons.Where(Findings.ReasonCodes.IsProcessAnomaly)], [], []);
        return
        [
            new("unexpected-write-then-anomaly", new([.. reasons.Where(Findings.ReasonCodes.IsUnexpectedWrite)], [], []), anomaly, within),
            new("network-alert-then-anomaly", new([Findings.ReasonCode.IdsAlert], [], []), anomaly, within),
        ];
    }

    /// <summary>The values used when the plant model leaves them out.</summary>
    public static CorrelationSettings Default { get; } = new(TimeSpan.FromSeconds(30), 3);
}

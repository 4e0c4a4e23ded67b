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

    /// <summary>The values used when the plant model leaves them out.</summary>
    public static CorrelationSettings Default { get; } = new(TimeSpan.FromSeconds(30), 3);
}

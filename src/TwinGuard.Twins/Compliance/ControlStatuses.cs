namespace TwinGuard.Twins.Compliance;

/// <summary>Names of <see cref="ControlStatus"/> as reports print them.</summary>
public static class ControlStatuses
{
    /// <summary>kebab-case: <c>met</c>, <c>partly-met</c>, <c>not-met</c>, <c>outside-scope</c>.</summary>
    public static string Name(this ControlStatus status) => status switch
    {
        ControlStatus.Met => "met",
        ControlStatus.PartlyMet => "partly-met",
        ControlStatus.NotMet => "not-met",
        _ => "outside-scope",
    };

    /// <summary>For people: "met", "partly met", "not met", "outside TwinGuard's scope".</summary>
    public static string Text(this ControlStatus status) => status switch
    {
        ControlStatus.Met => "met",
        ControlStatus.PartlyMet => "partly met",
        ControlStatus.NotMet => "not met",
        _ => "outside TwinGuard's scope",
    };

    /// <summary>The weaker of two statuses of evidence for one control.</summary>
    public static ControlStatus Combine(IReadOnlyCollection<ControlStatus> items) =>
        items.Count == 0 ? ControlStatus.NotMet
        : items.All(s => s == ControlStatus.Met) ? ControlStatus.Met
        : items.All(s => s == ControlStatus.NotMet) ? ControlStatus.NotMet
        : ControlStatus.PartlyMet;
}

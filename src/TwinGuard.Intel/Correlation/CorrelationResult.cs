namespace TwinGuard.Intel.Correlation;

/// <summary>What one observation produced.</summary>
/// <param name="Findings">A finding per IOC match.</param>
/// <param name="Incidents">An incident per match that meets an anomaly on the same asset or device within the window.</param>
public sealed record CorrelationResult(IReadOnlyList<IntelFinding> Findings, IReadOnlyList<IntelIncident> Incidents)
{
    /// <summary>Nothing.</summary>
    public static CorrelationResult None { get; } = new([], []);
}

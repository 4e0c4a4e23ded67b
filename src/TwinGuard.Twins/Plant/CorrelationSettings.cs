namespace TwinGuard.Twins.Plant;

/// <summary>Settings of the first correlation rule: N findings on one asset within a window open an incident.</summary>
/// <param name="Window">The sliding window.</param>
/// <param name="FindingsForIncident">Findings within the window that open an incident.</param>
public sealed record CorrelationSettings(TimeSpan Window, int FindingsForIncident)
{
    /// <summary>The values used when the plant model leaves them out.</summary>
    public static CorrelationSettings Default { get; } = new(TimeSpan.FromSeconds(30), 3);
}

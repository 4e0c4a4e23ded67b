namespace TwinGuard.Twins.Plant;

/// <summary>How much a problem with a signal matters to the plant.</summary>
public enum Criticality
{
    /// <summary>Informational.</summary>
    Low,

    /// <summary>Affects operation.</summary>
    Medium,

    /// <summary>Affects safety or product.</summary>
    High,
}

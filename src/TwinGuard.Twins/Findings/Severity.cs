namespace TwinGuard.Twins.Findings;

/// <summary>How urgently a finding or incident needs attention. Ordered: compare with &lt; and &gt;.</summary>
public enum Severity
{
    /// <summary>Worth recording.</summary>
    Info,

    /// <summary>Worth a look.</summary>
    Low,

    /// <summary>Needs a look soon.</summary>
    Medium,

    /// <summary>Needs action.</summary>
    High,

    /// <summary>Needs action now; opens an incident on its own.</summary>
    Critical,
}

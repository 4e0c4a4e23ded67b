namespace TwinGuard.Intel.Correlation;

/// <summary>How urgently a person or a playbook should look.</summary>
public enum IntelSeverity
{
    /// <summary>Worth recording: a partial or much-decayed match.</summary>
    Low,

    /// <summary>A match on traffic or a connection.</summary>
    Medium,

    /// <summary>A match together with an IDS alert or a process anomaly on the same asset or device.</summary>
    High,
}

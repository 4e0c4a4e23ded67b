namespace TwinGuard.Twins.Respond;

/// <summary>How an incident was opened, as a playbook trigger names it.</summary>
public enum IncidentKind
{
    /// <summary>Either.</summary>
    Any,

    /// <summary>A single critical finding opened it.</summary>
    Critical,

    /// <summary>Several findings within the correlation window opened it.</summary>
    Correlated,
}

namespace TwinGuard.Twins.Compliance;

/// <summary>An incident opened in the period, and when a playbook first contained it (null: not contained).</summary>
public sealed record IncidentNote(long Index, long Id, DateTimeOffset Opened, string Severity, string Scope)
{
    /// <summary>Time from opening to the first containment action carried out for it.</summary>
    public TimeSpan? TimeToContain { get; set; }

    /// <summary>The ledger entry of that action.</summary>
    public long? ContainedBy { get; set; }
}

namespace TwinGuard.Intel.Correlation;

/// <summary>
/// A threat-intel match and a process anomaly on the same asset or device within the correlation window: something
/// a playbook acts on.
/// </summary>
/// <param name="Time">When the later of the two was observed.</param>
/// <param name="Severity">Always <see cref="IntelSeverity.High"/>.</param>
/// <param name="Finding">The intel match.</param>
/// <param name="Anomaly">The process anomaly.</param>
/// <param name="Summary">One line for people.</param>
public sealed record IntelIncident(DateTimeOffset Time, IntelSeverity Severity, IntelFinding Finding, ProcessAnomaly Anomaly, string Summary);

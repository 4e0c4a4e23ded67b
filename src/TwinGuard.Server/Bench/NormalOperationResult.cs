using TwinGuard.Twins.Relations;

namespace TwinGuard.Server.Bench;

/// <summary>What a <see cref="NormalOperationRun"/> found: every finding of normal operation is a false alarm.</summary>
/// <param name="Simulated">Simulated time.</param>
/// <param name="Ticks">Sample periods simulated.</param>
/// <param name="Elapsed">Wall-clock time it took.</param>
/// <param name="Findings">Findings raised (all false alarms).</param>
/// <param name="Incidents">Incidents those findings would open (the false alarms a person sees).</param>
/// <param name="FindingsBy">Findings by reason and signal.</param>
/// <param name="FirstIncidents">The first incidents' triggering findings.</param>
/// <param name="Relations">Each relation's snapshot at the end.</param>
internal sealed record NormalOperationResult(
    TimeSpan Simulated,
    long Ticks,
    TimeSpan Elapsed,
    int Findings,
    int Incidents,
    IReadOnlyDictionary<string, int> FindingsBy,
    IReadOnlyList<string> FirstIncidents,
    IReadOnlyList<RelationSnapshot> Relations)
{
    /// <summary>Findings per simulated day.</summary>
    public double FindingsPerDay => Findings / Simulated.TotalDays;

    /// <summary>Incidents per simulated day.</summary>
    public double IncidentsPerDay => Incidents / Simulated.TotalDays;
}

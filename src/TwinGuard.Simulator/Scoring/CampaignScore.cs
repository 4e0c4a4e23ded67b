namespace TwinGuard.Simulator.Scoring;

/// <summary>The score of a run: per attack, detected or not and how fast; and the false alarms.</summary>
/// <param name="Attacks">One score per attack that started within the run, in start order.</param>
/// <param name="FalseAlarms">Observations that matched no attack.</param>
/// <param name="NormalOperation">The run's time outside every attack window plus grace.</param>
/// <param name="FalseAlarmsPerHour">False alarms per hour of normal operation (0 when there was none).</param>
/// <param name="OutsideRun">Observations before the run or after its end that matched no attack, left out of the false alarms.</param>
public sealed record CampaignScore(
    IReadOnlyList<AttackScore> Attacks,
    IReadOnlyList<Observation> FalseAlarms,
    TimeSpan NormalOperation,
    double FalseAlarmsPerHour,
    int OutsideRun)
{
    /// <summary>Whether every attack was detected.</summary>
    public bool AllDetected => Attacks.All(a => a.Detected);

    /// <summary>Attacks detected.</summary>
    public int DetectedCount => Attacks.Count(a => a.Detected);
}

namespace TwinGuard.Simulator.Scoring;

/// <summary>How the pipeline did on one scenario run.</summary>
/// <param name="Detected">Whether a counting finding arrived within the expected time.</param>
/// <param name="TimeToDetect">From the attack's start to the first counting finding.</param>
/// <param name="FirstReason">The reason code of that finding.</param>
/// <param name="DetectedBy">Every reason code among the counting findings.</param>
/// <param name="OtherReasons">Reason codes of findings on the target during the attack that the scenario does not count.</param>
/// <param name="TimeToContain">From the attack's start to the first containing action (quarantine, disconnect, block...).</param>
/// <param name="ContainedBy">That action and its playbook.</param>
/// <param name="FalseAlarms">Alarms during the normal part (before the attack), repeats of one alarm within 10 s folded.</param>
/// <param name="FalseAlarmReasons">False alarms by reason code.</param>
/// <param name="NormalTime">Simulated time of normal operation the false alarms are counted over.</param>
public sealed record ScenarioScore(
    bool Detected,
    TimeSpan? TimeToDetect,
    string? FirstReason,
    IReadOnlyList<string> DetectedBy,
    IReadOnlyList<string> OtherReasons,
    TimeSpan? TimeToContain,
    string? ContainedBy,
    int FalseAlarms,
    IReadOnlyDictionary<string, int> FalseAlarmReasons,
    TimeSpan NormalTime)
{
    /// <summary>Every stage of the scenario (one for a single attack), each with its detection and incident.</summary>
    public IReadOnlyList<StageScore> Stages { get; init; } = [];

    /// <summary>
    /// The one campaign that holds every stage's incident, or null when a stage opened none or they fell into several
    /// campaigns. For a multi-stage scenario, the story told as one.
    /// </summary>
    public long? Campaign => Stages.Count > 0 && Stages.All(s => s.CampaignId is not null) && Stages.Select(s => s.CampaignId).Distinct().Count() == 1
        ? Stages[0].CampaignId
        : null;

    /// <summary>
    /// The one incident whose timeline holds every stage, or null when a stage opened none or they fell into several
    /// incidents. For a multi-stage scenario, the story told as one incident.
    /// </summary>
    public long? Incident => Stages.Count > 0 && Stages.All(s => s.IncidentId is not null) && Stages.Select(s => s.IncidentId).Distinct().Count() == 1
        ? Stages[0].IncidentId
        : null;

    /// <summary>False alarms per simulated day of normal operation.</summary>
    public double FalseAlarmsPerDay => NormalTime > TimeSpan.Zero ? FalseAlarms / NormalTime.TotalDays : 0;
}

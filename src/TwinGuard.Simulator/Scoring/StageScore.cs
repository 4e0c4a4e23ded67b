namespace TwinGuard.Simulator.Scoring;

/// <summary>How one stage of a scenario was detected, and the incident that holds it.</summary>
/// <param name="Kind">The stage's attack kind (snake_case).</param>
/// <param name="StartSeconds">When it started, from the start of the run.</param>
/// <param name="Detected">Whether a finding it lists came on its target in time.</param>
/// <param name="TimeToDetectSeconds">From its start to that finding.</param>
/// <param name="FirstReason">That finding's reason.</param>
/// <param name="IncidentId">The first incident opened over it (its reasons, its target), if any.</param>
/// <param name="CampaignId">That incident's campaign (its first incident's id).</param>
/// <param name="Techniques">That incident's ATT&amp;CK for ICS technique ids.</param>
public sealed record StageScore(
    string Kind,
    double StartSeconds,
    bool Detected,
    double? TimeToDetectSeconds,
    string? FirstReason,
    long? IncidentId,
    long? CampaignId,
    IReadOnlyList<string> Techniques);

namespace TwinGuard.Simulator.Scoring;

/// <summary>An incident the pipeline opened, reduced to what scoring a multi-stage scenario needs.</summary>
/// <param name="Time">When its first finding arrived.</param>
/// <param name="Id">Its id.</param>
/// <param name="CampaignId">The first incident of the campaign it continues, or null when it starts one.</param>
/// <param name="AssetId">Its asset, when its scope is one.</param>
/// <param name="DeviceId">The device most of its findings came from, when known.</param>
/// <param name="Reasons">Its findings' reason codes (snake_case).</param>
/// <param name="Techniques">The MITRE ATT&amp;CK for ICS technique ids of those reasons.</param>
public sealed record IncidentObservation(
    DateTimeOffset Time,
    long Id,
    long? CampaignId,
    string? AssetId,
    string? DeviceId,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<string> Techniques)
{
    /// <summary>The campaign it belongs to: the campaign's first incident, or itself.</summary>
    public long Campaign => CampaignId ?? Id;
}

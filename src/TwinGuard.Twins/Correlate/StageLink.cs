namespace TwinGuard.Twins.Correlate;

/// <summary>What <see cref="StageLinker.LinkOf"/> found: the incident a new stage continues.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Attachable">True when the stage joins it as its next stage; false when it is closed or full (a new incident of its campaign opens).</param>
/// <param name="Link">What the two share, for the timeline: <c>device ID</c> or <c>address A</c>.</param>
/// <param name="CampaignId">The incident's own campaign (an earlier closed incident it continues), if any.</param>
/// <param name="Stages">Its stages so far.</param>
public sealed record StageLink(long IncidentId, bool Attachable, string Link, long? CampaignId, IReadOnlyList<IncidentStage> Stages)
{
    /// <summary>The campaign a new incident opened instead of attaching belongs to: the incident's, or the incident itself.</summary>
    public long Campaign => CampaignId ?? IncidentId;
}

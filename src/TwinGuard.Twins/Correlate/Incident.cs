using System.Text.Json.Serialization;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Correlate;

/// <summary>What a person or a playbook acts on: findings that belong together, with a severity.</summary>
/// <param name="Id">Store id.</param>
/// <param name="Opened">When the first finding arrived.</param>
/// <param name="Scope">What it concerns: <c>asset:ID</c> or <c>source:ID</c>.</param>
/// <param name="AssetId">The asset, when the scope is an asset.</param>
/// <param name="DeviceId">The device most of its findings came from, when known.</param>
/// <param name="Severity">The highest severity of its findings.</param>
/// <param name="Title">One line for lists and alerts.</param>
/// <param name="Rule">The correlation rule that opened it.</param>
/// <param name="Reasons">Distinct reasons of its findings.</param>
public sealed record Incident(
    long Id,
    DateTimeOffset Opened,
    string Scope,
    string? AssetId,
    string? DeviceId,
    Severity Severity,
    string Title,
    string Rule,
    IReadOnlyList<ReasonCode> Reasons)
{
    /// <summary>The ledger entries that prove it: the incident's own entry first, then those of the findings it opened with.</summary>
    /// <remarks>On an escalation: followed by the escalation's entry and that of the finding that escalated it.</remarks>
    public IReadOnlyList<long> LedgerEntries { get; init; } = [];

    /// <summary>
    /// The findings behind this announcement: those it opened over, or, on an escalation, the one that escalated it.
    /// The respond stage adds them to the evidence it acts on (the signals a quarantine holds). Not persisted: the
    /// evidence is stored with the findings themselves.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<Finding> Members { get; init; } = [];

    /// <summary>
    /// The incident an operator closed (released its containment) that this one continues: a later step of the same
    /// intrusion that could no longer be attached to it as a stage. Null otherwise. See <see cref="StageLinker"/>.
    /// </summary>
    public long? CampaignId { get; init; }

    /// <summary>
    /// Which stage of the incident this announcement concerns: 1 when it opened; 2, 3, ... when a later step of the same
    /// intrusion was attached to it. For a later stage, <see cref="Opened"/>, <see cref="Scope"/>, <see cref="AssetId"/>,
    /// <see cref="DeviceId"/>, <see cref="Severity"/>, <see cref="Rule"/>, <see cref="Reasons"/> and <see cref="Title"/>
    /// are the stage's (what playbooks match and contain), and <see cref="Id"/> is the incident's.
    /// </summary>
    public int Stage { get; init; } = 1;

    /// <summary>The incident's timeline of stages so far, first stage first (this one last when it is new).</summary>
    /// <remarks>Stored with the incident (<c>incident_stages</c>), and with an approval request's incident, so that an
    /// alert or report sent once the action is approved still carries the chain of stages.</remarks>
    public IReadOnlyList<IncidentStage> Stages { get; init; } = [];

    /// <summary>The reasons of every stage (the whole incident's), in the order they first appeared.</summary>
    [JsonIgnore]
    public IReadOnlyList<ReasonCode> AllReasons => Stages.Count == 0 ? Reasons : Stages.SelectMany(s => s.Reasons).Concat(Reasons).Distinct().ToList();
}

using System.Text.Json.Serialization;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Correlate;

/// <summary>
/// One stage of an incident's timeline: the findings that opened it (stage 1), or a later step of the same intrusion
/// that <see cref="StageLinker"/> attached to it (a shared device or client address, tactics further along the kill chain).
/// </summary>
/// <param name="Number">1 for the stage that opened the incident, then 2, 3, ...</param>
/// <param name="Time">When the stage's rule fired.</param>
/// <param name="Scope">What the stage concerns: <c>asset:ID</c> or <c>source:ID</c>.</param>
/// <param name="AssetId">Its asset, when its scope is one.</param>
/// <param name="DeviceId">The device most of its findings came from, when known.</param>
/// <param name="Severity">The highest severity of its findings: when it opened, raised by later findings of its scope that joined it.</param>
/// <param name="Rule">The correlation rule that fired for it.</param>
/// <param name="Reasons">Distinct reasons of the findings it opened over, and of those that joined it since.</param>
/// <param name="Title">One line for timelines.</param>
/// <param name="Link">Why it belongs to the incident (<c>device loop-plc</c>, <c>address 10.0.0.9</c>); null for stage 1.</param>
public sealed record IncidentStage(
    int Number,
    DateTimeOffset Time,
    string Scope,
    string? AssetId,
    string? DeviceId,
    Severity Severity,
    string Rule,
    IReadOnlyList<ReasonCode> Reasons,
    string Title,
    string? Link)
{
    private readonly DateTimeOffset? _lastSeen;

    /// <summary>The MITRE ATT&amp;CK for ICS techniques of its reasons, ordered by id.</summary>
    [JsonIgnore] // derived from the reasons by the mapping in force, not stored
    public IReadOnlyList<AttackTechnique> Attack => AttackMapping.Default.For(Reasons);

    /// <summary>How many times this step was seen: 1 when it opened, one more each time the same step recurred later
    /// on the same scope and was folded into it (see <see cref="StageLinker.FoldsInto"/>).</summary>
    /// <value>1.</value>
    public int Occurrences { get; init; } = 1;

    /// <summary>When the step was last seen (its latest folded recurrence); <see cref="Time"/> until it recurs.</summary>
    public DateTimeOffset LastSeen
    {
        get => _lastSeen ?? Time;
        init => _lastSeen = value;
    }
}

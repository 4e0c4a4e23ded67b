using System.Text.Json;

namespace TwinGuard.Twins.Share;

/// <summary>One message from a site to a peer (docs/sharing.md), signed inside a <see cref="PeerEnvelope"/>.</summary>
/// <param name="Id">Unique per sender (<c>RUN-N</c>); the receiver keeps each id once.</param>
/// <param name="From">The sending site's id (must be the peer its certificate proved).</param>
/// <param name="To">The receiving site's id (a message signed for another site is refused).</param>
/// <param name="Kind"><c>indicators</c>, <c>incident</c>, <c>checkpoint</c> or <c>cosignature</c>.</param>
/// <param name="Time">When it was made, Unix milliseconds.</param>
public sealed record PeerMessage(string Id, string From, string To, string Kind, long Time)
{
    /// <summary>For <c>indicators</c>: one MISP event (<c>{"Event": {...}}</c>, MISP core format) of indicators and sightings.</summary>
    public JsonElement? Misp { get; init; }

    /// <summary>For <c>incident</c>: its summary.</summary>
    public PeerIncident? Incident { get; init; }

    /// <summary>
    /// For <c>checkpoint</c>: a c2sp.org/tlog-witness add-checkpoint body (old size, consistency proof, the sender's
    /// signed checkpoint) for the receiver to cosign. For <c>cosignature</c>: the checkpoint note it answers.
    /// </summary>
    public string? Checkpoint { get; init; }

    /// <summary>
    /// For <c>cosignature</c>: the witness's answer body: the cosignature line (c2sp.org/tlog-cosignature) when
    /// <see cref="Status"/> is 200, the tree size it last cosigned when 409, else why it refused.
    /// </summary>
    public string? Cosignature { get; init; }

    /// <summary>For <c>cosignature</c>: the c2sp.org/tlog-witness status of the answer (200 cosigned, 409 prove from my size, 403/404/422 refused).</summary>
    /// <value>Null: 200.</value>
    public int? Status { get; init; }
}

namespace TwinGuard.Twins.Plant;

/// <summary>The kinds of message a site may share with a peer (the <c>send:</c> list of <c>peer:</c>).</summary>
public static class PeerShare
{
    /// <summary>Indicators and sightings, as a MISP event.</summary>
    public const string Indicators = "indicators";

    /// <summary>Incident summaries with their ATT&amp;CK for ICS technique ids.</summary>
    public const string Incidents = "incidents";

    /// <summary>Ledger checkpoints for the peer to cosign, and the cosignatures sent back.</summary>
    public const string Checkpoints = "checkpoints";

    /// <summary>Every kind, in the order the docs list them.</summary>
    public static IReadOnlyList<string> All { get; } = [Indicators, Incidents, Checkpoints];
}

namespace TwinGuard.Twins.Edge;

/// <summary>
/// The MQTT topics between an edge agent and its site. An edge publishes everything on <c>edge/ID/up</c> and
/// subscribes to <c>edge/ID/down</c>; its device entry in the plant model grants exactly those two.
/// </summary>
public static class EdgeTopics
{
    /// <summary>The first level of every edge topic.</summary>
    public const string Root = "edge";

    /// <summary>Where edge <paramref name="edgeId"/> publishes readings, findings, checkpoints and containments.</summary>
    public static string Up(string edgeId) => $"{Root}/{edgeId}/up";

    /// <summary>Where the site sends edge <paramref name="edgeId"/> containments and cosignatures.</summary>
    public static string Down(string edgeId) => $"{Root}/{edgeId}/down";
}

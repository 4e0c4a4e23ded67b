namespace TwinGuard.Twins.Plant;

/// <summary>The MQTT topic a peer site publishes to at this site's broker (docs/sharing.md).</summary>
public static class PeerTopics
{
    /// <summary>Where site <paramref name="siteId"/> publishes to a site it shares with: the only topic that site lets it.</summary>
    public static string Up(string siteId) => "peer/" + siteId + "/up";
}

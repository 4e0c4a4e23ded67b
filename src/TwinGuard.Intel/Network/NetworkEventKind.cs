namespace TwinGuard.Intel.Network;

/// <summary>What a network event records.</summary>
public enum NetworkEventKind
{
    /// <summary>An IDS alert (Suricata <c>event_type: alert</c>).</summary>
    Alert,

    /// <summary>A finished flow (Suricata <c>event_type: flow</c>).</summary>
    Flow,

    /// <summary>A connection summary (Zeek <c>conn.log</c>).</summary>
    Connection,
}

namespace TwinGuard.Intel.Network;

/// <summary>The format of a network sensor's log file.</summary>
public enum NetworkLogFormat
{
    /// <summary>Recognise it from the first line.</summary>
    Auto,

    /// <summary>Suricata EVE JSON.</summary>
    SuricataEve,

    /// <summary>Zeek <c>conn.log</c>, TSV or JSON.</summary>
    ZeekConn,
}

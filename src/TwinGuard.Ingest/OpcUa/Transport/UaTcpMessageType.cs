namespace TwinGuard.Ingest.OpcUa.Transport;

/// <summary>The message types of the UA Connection Protocol and Secure Conversation (OPC 10000-6 §7.1.2.2, §6.7.2.2).</summary>
public enum UaTcpMessageType
{
    Hello,
    Acknowledge,
    Error,
    ReverseHello,
    Message,
    OpenSecureChannel,
    CloseSecureChannel,
}

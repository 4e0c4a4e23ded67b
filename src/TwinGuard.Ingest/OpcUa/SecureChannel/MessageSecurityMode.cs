namespace TwinGuard.Ingest.OpcUa.SecureChannel;

/// <summary>How messages on a secure channel are protected (OPC 10000-4 §7.20); ordered from weakest to strongest.</summary>
public enum MessageSecurityMode
{
    Invalid = 0,
    None = 1,
    Sign = 2,
    SignAndEncrypt = 3,
}

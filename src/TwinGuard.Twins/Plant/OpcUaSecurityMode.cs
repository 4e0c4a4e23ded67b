namespace TwinGuard.Twins.Plant;

/// <summary>The message security mode configured for an OPC UA server (OPC 10000-4 §7.20), weakest first.</summary>
public enum OpcUaSecurityMode
{
    None = 1,
    Sign = 2,
    SignAndEncrypt = 3,
}

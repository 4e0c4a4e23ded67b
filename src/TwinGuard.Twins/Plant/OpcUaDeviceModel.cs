namespace TwinGuard.Twins.Plant;

/// <summary>An OPC UA server (PLC, SCADA, gateway) TwinGuard subscribes to and watches.</summary>
/// <param name="Id">The device's identity: the source its readings are attributed to at the gate.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="Endpoint">The opc.tcp endpoint URL.</param>
/// <param name="SecurityPolicy">The security policy's short name (none, basic256sha256, aes128_sha256_rsaoaep).</param>
/// <param name="SecurityMode">The message security mode.</param>
/// <param name="UserName">The user name to activate the session as; null for anonymous.</param>
/// <param name="PasswordEnvironment">The environment variable holding the password (never the password itself).</param>
/// <param name="ServerCertificateSha256">The pinned SHA-256 of the server certificate (lower-case hex), or null.</param>
/// <param name="PublishingInterval">The subscription's publishing interval.</param>
/// <param name="NodeCheck">How often the configured nodes and the server's endpoints are checked again.</param>
/// <param name="Signals">The monitored signals.</param>
/// <param name="UserCertificateFile">The PEM user certificate of an X.509 identity (absolute path); null otherwise.</param>
/// <param name="UserKeyFile">The PEM private key of that certificate (absolute path); null otherwise.</param>
public sealed record OpcUaDeviceModel(
    string Id,
    string Name,
    string Endpoint,
    string SecurityPolicy,
    OpcUaSecurityMode SecurityMode,
    string? UserName,
    string? PasswordEnvironment,
    string? ServerCertificateSha256,
    TimeSpan PublishingInterval,
    TimeSpan NodeCheck,
    IReadOnlyList<OpcUaSignalMapping> Signals,
    string? UserCertificateFile = null,
    string? UserKeyFile = null)
{
    /// <summary>The assets the device's signals feed.</summary>
    public IEnumerable<string> AssetIds => Signals.Select(s => s.AssetId).Distinct(StringComparer.Ordinal);
}

using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.SecureChannel;

namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>An endpoint a server offers (OPC 10000-4 §7.14 EndpointDescription).</summary>
/// <param name="EndpointUrl">Its URL.</param>
/// <param name="ApplicationUri">The server's application URI.</param>
/// <param name="ApplicationName">The server's name.</param>
/// <param name="ServerCertificate">The server's certificate (DER), or empty.</param>
/// <param name="SecurityMode">How messages are protected.</param>
/// <param name="SecurityPolicyUri">The security policy.</param>
/// <param name="UserIdentityTokens">The identity tokens it accepts.</param>
/// <param name="SecurityLevel">The server's own ranking of the endpoint's security.</param>
public sealed record EndpointDescription(
    string? EndpointUrl,
    string? ApplicationUri,
    string? ApplicationName,
    byte[] ServerCertificate,
    MessageSecurityMode SecurityMode,
    string? SecurityPolicyUri,
    IReadOnlyList<UserTokenPolicy> UserIdentityTokens,
    byte SecurityLevel)
{
    public static EndpointDescription Read(ref UaBinaryReader reader)
    {
        var url = reader.ReadString();
        // ApplicationDescription (§7.2).
        var applicationUri = reader.ReadString();
        reader.ReadString(); // ProductUri
        var name = reader.ReadLocalizedText();
        reader.ReadInt32(); // ApplicationType
        reader.ReadString(); // GatewayServerUri
        reader.ReadString(); // DiscoveryProfileUri
        reader.ReadStringArray(); // DiscoveryUrls
        var certificate = reader.ReadByteString() ?? [];
        var mode = (MessageSecurityMode)reader.ReadInt32();
        var policy = reader.ReadString();
        var tokens = reader.ReadArray("UserTokenPolicy", 20, static (ref UaBinaryReader r) => UserTokenPolicy.Read(ref r));
        reader.ReadString(); // TransportProfileUri
        var level = reader.ReadByte();
        return new EndpointDescription(url, applicationUri, name.Text, certificate, mode, policy, tokens, level);
    }
}

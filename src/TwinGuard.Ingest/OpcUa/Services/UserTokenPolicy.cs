using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>An identity token an endpoint accepts (OPC 10000-4 §7.42 UserTokenPolicy).</summary>
/// <param name="PolicyId">The id the client names in its token.</param>
/// <param name="TokenType">Anonymous, user name, certificate or issued token.</param>
/// <param name="SecurityPolicyUri">The policy that protects the token (null: the channel's).</param>
public sealed record UserTokenPolicy(string? PolicyId, UserTokenType TokenType, string? SecurityPolicyUri)
{
    public static UserTokenPolicy Read(ref UaBinaryReader reader)
    {
        var policyId = reader.ReadString();
        var type = (UserTokenType)reader.ReadInt32();
        reader.ReadString(); // IssuedTokenType
        reader.ReadString(); // IssuerEndpointUrl
        return new UserTokenPolicy(policyId, type, reader.ReadString());
    }
}

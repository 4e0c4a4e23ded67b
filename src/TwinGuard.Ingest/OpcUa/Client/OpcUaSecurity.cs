using System.Security.Cryptography.X509Certificates;
using TwinGuard.Ingest.OpcUa.SecureChannel;

namespace TwinGuard.Ingest.OpcUa.Client;

/// <summary>How the secure channel is protected: policy None, or Basic256Sha256 / Aes128_Sha256_RsaOaep with both sides' certificates.</summary>
/// <param name="Mode">None, Sign or SignAndEncrypt.</param>
/// <param name="ClientCertificate">The client's certificate with its private key (secured policies only).</param>
/// <param name="ServerCertificate">The server's certificate (DER) as its endpoint lists it, checked before use (secured policies only).</param>
/// <param name="Policy">The policy URI of a secured channel; Basic256Sha256 when null.</param>
public sealed record OpcUaSecurity(MessageSecurityMode Mode, X509Certificate2? ClientCertificate, byte[]? ServerCertificate, string? Policy = null)
{
    /// <summary>Security policy None.</summary>
    public static OpcUaSecurity None { get; } = new(MessageSecurityMode.None, null, null);

    /// <summary>The policy URI.</summary>
    public string PolicyUri => Mode == MessageSecurityMode.None ? SecurityPolicies.None : Policy ?? SecurityPolicies.Basic256Sha256;
}

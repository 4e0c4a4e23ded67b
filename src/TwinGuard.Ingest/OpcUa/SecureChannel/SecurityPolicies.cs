namespace TwinGuard.Ingest.OpcUa.SecureChannel;

/// <summary>Security policy URIs (OPC 10000-7) and their relative strength, to spot an endpoint weaker than configured.</summary>
public static class SecurityPolicies
{
    public const string None = "http://opcfoundation.org/UA/SecurityPolicy#None";
    public const string Basic128Rsa15 = "http://opcfoundation.org/UA/SecurityPolicy#Basic128Rsa15";
    public const string Basic256 = "http://opcfoundation.org/UA/SecurityPolicy#Basic256";
    public const string Basic256Sha256 = "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256";
    public const string Aes128Sha256RsaOaep = "http://opcfoundation.org/UA/SecurityPolicy#Aes128_Sha256_RsaOaep";
    public const string Aes256Sha256RsaPss = "http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss";

    /// <summary>The URI of a policy's short name (none, basic256sha256, ...), or null when unknown.</summary>
    public static string? FromName(string name) => name.ToLowerInvariant() switch
    {
        "none" => None,
        "basic128rsa15" => Basic128Rsa15,
        "basic256" => Basic256,
        "basic256sha256" => Basic256Sha256,
        "aes128_sha256_rsaoaep" => Aes128Sha256RsaOaep,
        "aes256_sha256_rsapss" => Aes256Sha256RsaPss,
        _ => null,
    };

    /// <summary>The short name of a policy URI (the part after '#').</summary>
    public static string ShortName(string? uri) => uri is null ? "(none)" : uri[(uri.LastIndexOf('#') + 1)..];

    /// <summary>
    /// A rank: None 0; the deprecated Basic128Rsa15 and Basic256 (SHA-1) 1; the current policies 2. Unknown URIs rank 0
    /// so that a policy the client does not know never counts as strong.
    /// </summary>
    public static int Strength(string? uri) => uri switch
    {
        Basic128Rsa15 or Basic256 => 1,
        Basic256Sha256 or Aes128Sha256RsaOaep or Aes256Sha256RsaPss => 2,
        _ => 0,
    };
}

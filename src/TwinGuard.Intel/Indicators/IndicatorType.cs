namespace TwinGuard.Intel.Indicators;

/// <summary>What kind of observable an indicator names.</summary>
public enum IndicatorType
{
    /// <summary>An IPv4 or IPv6 address, or a CIDR network (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>).</summary>
    IPAddress,

    /// <summary>A domain: matches the name itself and every name below it.</summary>
    Domain,

    /// <summary>A host name: matches that exact name only.</summary>
    Hostname,

    /// <summary>A URL, compared after normalisation (see <see cref="IndicatorValue.NormalizeUrl"/>).</summary>
    Url,

    /// <summary>An MD5 file hash (32 hex digits).</summary>
    Md5,

    /// <summary>A SHA-1 file hash (40 hex digits).</summary>
    Sha1,

    /// <summary>A SHA-256 file hash (64 hex digits).</summary>
    Sha256,
}

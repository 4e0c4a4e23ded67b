using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TwinGuard.Intel.Indicators;

/// <summary>Validates and canonicalises indicator values so that feeds and lookups agree on one spelling.</summary>
public static class IndicatorValue
{
    /// <summary>Turns a raw value into its canonical form, or says why it is not a valid value of that type.</summary>
    /// <param name="type">The indicator type the value claims to be.</param>
    /// <param name="raw">The value as the feed wrote it.</param>
    /// <param name="normalized">The canonical value when valid.</param>
    /// <param name="error">Why it is invalid, when it is.</param>
    /// <returns>Whether the value is valid.</returns>
    public static bool TryNormalize(
        IndicatorType type,
        string raw,
        [NotNullWhen(true)] out string? normalized,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var value = raw.Trim();
        normalized = null;
        if (value.Length == 0)
        {
            error = "empty value";
            return false;
        }

        switch (type)
        {
            case IndicatorType.IPAddress:
                if (TryParseNetwork(value, out var address, out var prefix, out error))
                {
                    var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
                    normalized = prefix == max ? address.ToString() : $"{address}/{prefix.ToString(CultureInfo.InvariantCulture)}";
                    return true;
                }

                return false;
            case IndicatorType.Domain:
            case IndicatorType.Hostname:
                return TryNormalizeHost(value, out normalized, out error);
            case IndicatorType.Url:
                normalized = NormalizeUrl(value);
                error = normalized is null ? "not an absolute http(s), ftp or other URL with a host" : null;
                return normalized is not null;
            case IndicatorType.Md5:
                return TryNormalizeHex(value, 32, "MD5", out normalized, out error);
            case IndicatorType.Sha1:
                return TryNormalizeHex(value, 40, "SHA-1", out normalized, out error);
            case IndicatorType.Sha256:
                return TryNormalizeHex(value, 64, "SHA-256", out normalized, out error);
            default:
                error = $"unknown indicator type {type}";
                return false;
        }
    }

    /// <summary>Parses an address or CIDR network; host bits below the prefix are cleared.</summary>
    /// <param name="value">E.g. <c>203.0.113.7</c>, <c>10.0.0.0/8</c>, <c>2001:db8::/32</c>.</param>
    /// <param name="network">The network address (IPv4-mapped IPv6 addresses become IPv4).</param>
    /// <param name="prefixLength">The prefix length; 32 or 128 for a single address.</param>
    /// <param name="error">Why it does not parse.</param>
    /// <returns>Whether it parsed.</returns>
    public static bool TryParseNetwork(
        string value,
        [NotNullWhen(true)] out IPAddress? network,
        out int prefixLength,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(value);
        network = null;
        prefixLength = 0;
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? value : value[..slash];
        if (!IPAddress.TryParse(addressText, out var address)
            || addressText.Contains('%', StringComparison.Ordinal)
            || (address.AddressFamily == AddressFamily.InterNetwork && addressText.Count(c => c == '.') != 3))
        {
            // IPAddress.TryParse accepts "1" and "1.2" as IPv4 shorthands; feeds never mean those.
            error = $"'{addressText}' is not an IP address";
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        prefixLength = max;
        if (slash >= 0 && (!int.TryParse(value.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefixLength)
                           || prefixLength > max))
        {
            error = $"'{value[(slash + 1)..]}' is not a prefix length 0..{max.ToString(CultureInfo.InvariantCulture)}";
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        bytes = bytes[..written];
        for (var bit = prefixLength; bit < max; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        network = new IPAddress(bytes);
        error = null;
        return true;
    }

    /// <summary>Lower-cases a host name, drops a trailing dot, converts IDN to punycode and checks RFC 1035 lengths.</summary>
    /// <param name="value">The host name.</param>
    /// <param name="normalized">The canonical host name.</param>
    /// <param name="error">Why it is not a host name.</param>
    /// <returns>Whether it is one.</returns>
    public static bool TryNormalizeHost(string value, [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(value);
        normalized = null;
        var host = value.Trim().TrimEnd('.');
        if (host.Any(c => c > 0x7f))
        {
            try
            {
                host = new IdnMapping().GetAscii(host);
            }
            catch (ArgumentException ex)
            {
                error = $"'{value}' is not a valid internationalised domain name: {ex.Message}";
                return false;
            }
        }

#pragma warning disable CA1308 // DNS names are compared in lower case by convention (RFC 4343 makes case irrelevant).
        host = host.ToLowerInvariant();
#pragma warning restore CA1308

        // RFC 1035 §2.3.4: labels of at most 63 octets, names of at most 255 octets (253 characters in text).
        if (host.Length is 0 or > 253)
        {
            error = $"'{value}' is not a domain name (length {host.Length.ToString(CultureInfo.InvariantCulture)})";
            return false;
        }

        foreach (var label in host.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '*'))
            {
                error = $"'{value}' is not a domain name (label '{label}')";
                return false;
            }
        }

        if (!host.Contains('.', StringComparison.Ordinal) && IPAddress.TryParse(host, out _))
        {
            error = $"'{value}' is an address, not a domain name";
            return false;
        }

        normalized = host;
        error = null;
        return true;
    }

    /// <summary>
    /// Normalises a URL the way RFC 3986 §6.2.2 allows without changing what it names: lower-case scheme and host,
    /// no default port, dot segments removed, percent-encodings of unreserved characters decoded, the others
    /// upper-cased, empty path as <c>/</c>, fragment dropped. A URL without a scheme is taken as <c>http://</c>.
    /// </summary>
    /// <param name="value">The URL.</param>
    /// <returns>The canonical URL, or null when it is not an absolute URL with a host.</returns>
    public static string? NormalizeUrl(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.HostNameType is UriHostNameType.Unknown
            || uri.Host.Length == 0)
        {
            return null;
        }

        var builder = new StringBuilder(text.Length);
#pragma warning disable CA1308 // RFC 3986 §6.2.2.1: scheme and host are case-insensitive and normalise to lower case.
        builder.Append(uri.Scheme.ToLowerInvariant()).Append("://");
        // A trailing dot names the same host (RFC 1034 §3.1: an absolute name).
        builder.Append(uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost.ToLowerInvariant().TrimEnd('.'));
#pragma warning restore CA1308
        if (!uri.IsDefaultPort)
        {
            builder.Append(':').Append(uri.Port.ToString(CultureInfo.InvariantCulture));
        }

        // Uri has already removed dot segments (RFC 3986 §5.2.4) and unescaped unreserved characters.
        var pathAndQuery = uri.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped);
        AppendNormalizedPercentEncoding(builder, pathAndQuery.Length == 0 ? "/" : pathAndQuery);
        return builder.ToString();
    }

    private static void AppendNormalizedPercentEncoding(StringBuilder builder, string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '%' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                var decoded = (char)((Uri.FromHex(text[i + 1]) << 4) | Uri.FromHex(text[i + 2]));

                // RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" are equivalent decoded.
                if (char.IsAsciiLetterOrDigit(decoded) || decoded is '-' or '.' or '_' or '~')
                {
                    builder.Append(decoded);
                }
                else
                {
                    builder.Append('%').Append(char.ToUpperInvariant(text[i + 1])).Append(char.ToUpperInvariant(text[i + 2]));
                }

                i += 2;
            }
            else
            {
                builder.Append(text[i]);
            }
        }
    }

    private static bool TryNormalizeHex(string value, int length, string name, [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out string? error)
    {
        normalized = null;
        if (value.Length != length || !value.All(char.IsAsciiHexDigit))
        {
            error = $"'{value}' is not a {name} hash ({length.ToString(CultureInfo.InvariantCulture)} hex digits)";
            return false;
        }

#pragma warning disable CA1308 // Hex digests are conventionally written in lower case.
        normalized = value.ToLowerInvariant();
#pragma warning restore CA1308
        error = null;
        return true;
    }
}

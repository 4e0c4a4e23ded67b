using System.Net;
using System.Net.Sockets;

namespace TwinGuard.Intel.Feeds;

/// <summary>The HTTP client feeds are fetched with, and the address checks applied to each request.</summary>
public static class FeedHttp
{
    /// <summary>An HTTP client that does not follow redirects by itself: <see cref="FeedFetcher"/> follows them, to the same host only.</summary>
    public static HttpClient CreateClient(TimeSpan timeout) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = timeout }) { Timeout = timeout };

    /// <summary>Why <paramref name="uri"/> may not be fetched under <paramref name="limits"/>; null when it may.</summary>
    public static async Task<string?> RefusalAsync(Uri uri, FeedFetchLimits limits, CancellationToken cancellationToken)
    {
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && limits.AllowHttp))
        {
            return $"{uri.Scheme}:// is not allowed (https only unless the feed limits allow http)";
        }

        if (limits.AllowPrivateTargets)
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.IdnHost, cancellationToken);
        }
        catch (SocketException ex)
        {
            return $"cannot resolve {uri.IdnHost}: {ex.Message}";
        }

        return addresses.FirstOrDefault(IsInternal) is { } inside
            ? $"{uri.IdnHost} is {inside}, a loopback, private or link-local address (not allowed unless the feed limits allow it)"
            : null;
    }

    /// <summary>Loopback, RFC 1918 and RFC 6598 private, link-local, unique-local (RFC 4193) or unspecified.</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return address.IsIPv6LinkLocal || address.IsIPv6UniqueLocal || address.IsIPv6SiteLocal;
        }

        var b = address.GetAddressBytes();
        return b[0] is 10 or 0
            || (b[0] == 172 && (b[1] & 0xF0) == 16)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && (b[1] & 0xC0) == 64);
    }
}

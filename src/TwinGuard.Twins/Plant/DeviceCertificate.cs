using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TwinGuard.Twins.Plant;

/// <summary>How a device proves itself with a client certificate (mutual TLS): its fingerprint, or a name the site CA vouches for.</summary>
/// <param name="Fingerprint">SHA-256 fingerprint of the DER certificate (upper-case hex, no separators); pinned, no CA needed.</param>
/// <param name="Subject">The certificate's subject distinguished name (e.g. <c>CN=loop-plc, O=line1</c>); the CA of <c>tls.client_ca</c> must have issued it.</param>
/// <param name="San">A DNS subject alternative name the certificate must carry; the CA of <c>tls.client_ca</c> must have issued it.</param>
public sealed record DeviceCertificate(string? Fingerprint, string? Subject, string? San)
{
    /// <summary>The CA that must have issued the certificate when not <c>tls.client_ca</c>: a peer site's own CA (docs/sharing.md).</summary>
    public string? CaFile { get; init; }

    /// <summary>True when the device is named by CA-issued subject or SAN (not pinned by fingerprint).</summary>
    public bool NeedsCa => Fingerprint is null;

    /// <summary>The SHA-256 fingerprint of a certificate as the plant model writes it.</summary>
    public static string FingerprintOf(X509Certificate2 certificate) => Convert.ToHexString(SHA256.HashData(certificate.RawData));

    /// <summary>Normalises a fingerprint as operators paste it (<c>ab:cd:...</c>, spaces, lower case) to upper-case hex.</summary>
    /// <returns>Null when it is not 32 bytes of hex.</returns>
    public static string? NormaliseFingerprint(string text)
    {
        var hex = new string(text.Where(c => c is not (':' or ' ')).ToArray()).ToUpperInvariant();
        return hex.Length == 64 && hex.All(char.IsAsciiHexDigit) ? hex : null;
    }

    /// <summary>True when <paramref name="certificate"/> is the one this declaration names (its chain is checked elsewhere).</summary>
    public bool Names(X509Certificate2 certificate)
    {
        if (Fingerprint is not null)
        {
            return string.Equals(Fingerprint, FingerprintOf(certificate), StringComparison.Ordinal);
        }

        if (Subject is not null && !SameName(Subject, certificate.SubjectName))
        {
            return false;
        }

        return San is null || SubjectAlternativeNames(certificate).Contains(San, StringComparer.OrdinalIgnoreCase);
    }

    private static bool SameName(string declared, X500DistinguishedName actual)
    {
        try
        {
            // Compare in one canonical rendering, so "CN=a,O=b" and "CN=a, O=b" are the same name.
            var expected = new X500DistinguishedName(declared);
            return string.Equals(expected.Format(false), actual.Format(false), StringComparison.Ordinal);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static IEnumerable<string> SubjectAlternativeNames(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames());
}

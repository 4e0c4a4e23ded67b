using System.Security.Cryptography.X509Certificates;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Mqtt.Tls;

/// <summary>Checks a client certificate against the plant model: revocation list, validity period, site CA.</summary>
/// <remarks>
/// The validity period is read against the pipeline's clock, so tests (and simulations) decide what "expired" means.
/// Revocation is the plant model's own list of fingerprints (<c>tls.revoked</c>): plant networks rarely reach a CRL or
/// OCSP responder, and a list in the model is recorded in the ledger with every other configuration change.
/// </remarks>
public sealed class DeviceCertificateCheck
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2"; // RFC 5280 §4.2.1.12 id-kp-clientAuth

    /// <summary>Intermediates a client sent after its certificate, at most this many (a chain is rarely longer than two).</summary>
    public const int MaxSentIntermediates = 4;

    // The certificates a client sent in its handshake after its own (RFC 8446 §4.4.2: the chain up to, not
    // including, the root), for as long as the client certificate lives: the chain to the site CA may pass through them.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, X509Certificate2Collection> SentChains = [];
    private readonly TimeProvider _time;
    private readonly X509Certificate2Collection _roots = [];
    private readonly X509Certificate2Collection _intermediates = [];
    private readonly IReadOnlySet<string> _revoked;
    private readonly Dictionary<string, X509Certificate2Collection> _peerRoots = new(StringComparer.Ordinal);

    /// <summary>Loads the site CA of <paramref name="tls"/>, if any.</summary>
    public DeviceCertificateCheck(TlsSettings? tls, TimeProvider time)
    {
        _time = time;
        _revoked = tls?.RevokedFingerprints ?? new HashSet<string>();
        if (tls?.ClientCaFile is { } file)
        {
            var all = new X509Certificate2Collection();
            all.ImportFromPemFile(file);
            foreach (var certificate in all)
            {
                (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) ? _roots : _intermediates).Add(certificate);
            }
        }
    }

    /// <summary>
    /// Keeps the intermediates a client sent with <paramref name="certificate"/> (the TLS listener calls it after the
    /// handshake), so that a device certificate issued by an intermediate under the site CA chains to it. They are
    /// candidates for the chain only: trust still comes from <c>tls.client_ca</c> alone.
    /// </summary>
    public static void RememberSentChain(X509Certificate2 certificate, X509Certificate2Collection sent)
    {
        var intermediates = new X509Certificate2Collection();
        foreach (var candidate in sent)
        {
            if (intermediates.Count < MaxSentIntermediates && !candidate.RawData.AsSpan().SequenceEqual(certificate.RawData))
            {
                intermediates.Add(candidate);
            }
        }

        if (intermediates.Count > 0)
        {
            SentChains.AddOrUpdate(certificate, intermediates);
        }
    }

    /// <summary>Null when <paramref name="certificate"/> may prove <paramref name="declared"/>; else why not, in one line.</summary>
    public string? Problem(X509Certificate2 certificate, DeviceCertificate declared)
    {
        if (Usable(certificate) is { } unusable)
        {
            return unusable;
        }

        if (!declared.Names(certificate))
        {
            return $"certificate '{certificate.Subject}' ({Short(certificate)}) is not the one declared";
        }

        if (declared.NeedsCa && declared.CaFile is { } peerCa)
        {
            return IssuedBy(certificate, PeerRoots(peerCa), []) ? null : $"certificate '{certificate.Subject}' is not issued by the peer's CA ({Path.GetFileName(peerCa)})";
        }

        return declared.NeedsCa && !IssuedBySiteCa(certificate) ? $"certificate '{certificate.Subject}' is not issued by the site CA (tls.client_ca)" : null;
    }

    /// <summary>Null when the certificate is neither revoked nor outside its validity period.</summary>
    public string? Usable(X509Certificate2 certificate)
    {
        if (_revoked.Contains(DeviceCertificate.FingerprintOf(certificate)))
        {
            return $"certificate '{certificate.Subject}' ({Short(certificate)}) is revoked";
        }

        var now = _time.GetUtcNow();
        if (now < certificate.NotBefore.ToUniversalTime())
        {
            return $"certificate '{certificate.Subject}' is not valid before {certificate.NotBefore.ToUniversalTime():u}";
        }

        return now > certificate.NotAfter.ToUniversalTime() ? $"certificate '{certificate.Subject}' expired on {certificate.NotAfter.ToUniversalTime():u}" : null;
    }

    private bool IssuedBySiteCa(X509Certificate2 certificate) => IssuedBy(certificate, _roots, _intermediates);

    // A peer's CA file, read once per check object (the check is rebuilt with the plant model).
    private X509Certificate2Collection PeerRoots(string file)
    {
        lock (_peerRoots)
        {
            if (!_peerRoots.TryGetValue(file, out var roots))
            {
                roots = [];
                roots.ImportFromPemFile(file);
                _peerRoots[file] = roots;
            }

            return roots;
        }
    }

    private bool IssuedBy(X509Certificate2 certificate, X509Certificate2Collection roots, X509Certificate2Collection intermediates)
    {
        if (roots.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        if (SentChains.TryGetValue(certificate, out var sent))
        {
            chain.ChainPolicy.ExtraStore.AddRange(sent);
        }
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(ClientAuthentication));
        return chain.Build(certificate);
    }

    private static string Short(X509Certificate2 certificate) => "SHA-256 " + DeviceCertificate.FingerprintOf(certificate)[..16] + "...";
}

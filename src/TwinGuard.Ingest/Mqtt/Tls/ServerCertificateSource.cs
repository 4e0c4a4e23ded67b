using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace TwinGuard.Ingest.Mqtt.Tls;

/// <summary>
/// The server certificate of every TLS listener, from PEM files, reloaded when the files change: a renewed certificate
/// is used from the next handshake on, and the sessions already established keep theirs.
/// </summary>
/// <remarks>
/// The files' modification times are compared at each handshake (two <c>stat</c> calls). A replacement that does not
/// load yet (the key written after the certificate, a key that does not match) keeps the previous certificate in use,
/// with a warning, until the pair is whole.
/// </remarks>
public sealed partial class ServerCertificateSource
{
    private readonly string _certificateFile;
    private readonly string _keyFile;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private (DateTime Certificate, DateTime Key) _loadedStamps;
    private SslStreamCertificateContext _current;

    /// <summary>Loads the pair now.</summary>
    /// <exception cref="CryptographicException">The files are not a PEM certificate and its private key.</exception>
    public ServerCertificateSource(string certificateFile, string keyFile, ILogger logger)
    {
        _certificateFile = certificateFile;
        _keyFile = keyFile;
        _logger = logger;
        _loadedStamps = Stamps();
        _current = Load(certificateFile, keyFile);
    }

    /// <summary>The certificate (with its chain) for the next handshake.</summary>
    public SslStreamCertificateContext Current
    {
        get
        {
            var stamps = Stamps();
            if (stamps == _loadedStamps)
            {
                return _current;
            }

            lock (_gate)
            {
                if (stamps != _loadedStamps)
                {
                    try
                    {
                        _current = Load(_certificateFile, _keyFile);
                        LogReloaded(_logger, _certificateFile, _current.TargetCertificate.Subject, _current.TargetCertificate.NotAfter);
                    }
                    catch (Exception ex) when (ex is CryptographicException or IOException or ArgumentException)
                    {
                        LogReloadFailed(_logger, _certificateFile, ex.Message);
                    }

                    _loadedStamps = stamps;
                }

                return _current;
            }
        }
    }

    /// <summary>The certificate in use.</summary>
    public X509Certificate2 Certificate => Current.TargetCertificate;

    /// <summary>Loads a PEM certificate (the leaf first, then its chain) and its PEM private key.</summary>
    public static SslStreamCertificateContext Load(string certificateFile, string keyFile)
    {
        var leaf = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certificateFile);
        var chain = new X509Certificate2Collection();
        foreach (var certificate in all.Skip(1))
        {
            chain.Add(certificate);
        }

        return SslStreamCertificateContext.Create(leaf, chain, offline: true);
    }

    private (DateTime, DateTime) Stamps() => (File.GetLastWriteTimeUtc(_certificateFile), File.GetLastWriteTimeUtc(_keyFile));

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS certificate reloaded from {File}: {Subject}, valid until {NotAfter}")]
    private static partial void LogReloaded(ILogger logger, string file, string subject, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS certificate in {File} changed but does not load ({Problem}); the previous one stays in use")]
    private static partial void LogReloadFailed(ILogger logger, string file, string problem);
}

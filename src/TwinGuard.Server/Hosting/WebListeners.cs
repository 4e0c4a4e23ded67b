using System.Net;
using System.Net.Security;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using TwinGuard.Ingest.Listening;
using TwinGuard.Ingest.Mqtt.Tls;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Hosting;

/// <summary>Kestrel's sockets for the API and dashboard: the <c>http</c>/<c>https</c> listeners, or serve's <c>--urls</c>.</summary>
/// <remarks>
/// HTTPS uses the plant model's <c>tls:</c> certificate through <see cref="ServerCertificateSource"/> (a renewed
/// certificate is picked up at the next handshake) with TLS 1.2+ and the suites of <see cref="TlsPolicy"/>; HSTS is
/// sent on HTTPS answers (RFC 6797). The slim builder leaves HTTPS out unless asked (<c>UseKestrelHttpsConfiguration</c>).
/// </remarks>
internal static class WebListeners
{
    /// <summary>Configures Kestrel; returns true when any endpoint is HTTPS.</summary>
    public static bool Configure(WebApplicationBuilder builder, HostSettings settings)
    {
        var listeners = settings.WebListeners;
        var tls = listeners is not null
            ? listeners.Any(l => l.IsTls)
            : settings.Urls.Split(';').Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase));
        ServerCertificateSource? certificate = null;
        if (tls)
        {
            var files = settings.Plant.Tls ?? throw new InvalidOperationException("HTTPS needs the plant model's tls section (server certificate and key)");
            certificate = new ServerCertificateSource(files.CertificateFile, files.KeyFile, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.Services.AddHsts(o =>
            {
                o.MaxAge = TimeSpan.FromDays(365);
                o.ExcludedHosts.Clear(); // browsers ignore it for IP literals (RFC 6797 §8.1.1); sent anyway, so it can be checked
            });
        }

        if (listeners is null)
        {
            builder.WebHost.UseUrls(settings.Urls);
            if (certificate is not null)
            {
                builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h =>
                {
                    h.ServerCertificateSelector = (_, _) => certificate.Certificate;
                    h.SslProtocols = TlsPolicy.Protocols;
                }));
            }

            return tls;
        }

        if (listeners.Count == 0)
        {
            builder.Services.AddSingleton<Microsoft.AspNetCore.Hosting.Server.IServer, NoWebServer>(); // no API socket: none at all
            return false;
        }

        // Exactly the declared sockets: an IPv6 one takes IPv4 too only for `address: any` (Kestrel would for any ::).
        builder.WebHost.UseSockets(o => o.CreateBoundListenSocket = endPoint => endPoint is IPEndPoint ip
            ? ListenerSockets.Create(ip, listeners.Any(l => l.DualStack && l.Port == ip.Port))
            : Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions.CreateDefaultBoundListenSocket(endPoint));
        builder.WebHost.ConfigureKestrel(k =>
        {
            foreach (var listener in listeners)
            {
                k.Listen(listener.EndPoint, l =>
                {
                    if (listener.IsTls)
                    {
                        l.UseHttps(new TlsHandshakeCallbackOptions
                        {
                            OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                            {
                                ServerCertificateContext = certificate!.Current,
                                EnabledSslProtocols = TlsPolicy.Protocols,
                                CipherSuitesPolicy = TlsPolicy.CipherSuites,
                                ApplicationProtocols = [SslApplicationProtocol.Http11, SslApplicationProtocol.Http2],
                            }),
                        });
                    }
                });
            }
        });
        return tls;
    }

    /// <summary>Where to point a browser: the first web listener (or the first of <c>--urls</c>).</summary>
    public static string DisplayUrls(IReadOnlyList<ListenerModel> listeners) => string.Join(';', listeners.Select(l =>
    {
        var host = l.DualStack ? "localhost" : l.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{l.Address}]" : l.Address.ToString();
        return $"{(l.IsTls ? "https" : "http")}://{host}:{l.Port}";
    }));
}

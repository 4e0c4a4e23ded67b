using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Hosting;

namespace TwinGuard.EndToEnd.Tests.Network;

/// <summary>
/// <c>tls.silo</c>: the Orleans silo port takes only mutual TLS with the site's silo certificate. Tried with real TLS
/// clients against a served site's silo port: the silo certificate completes the handshake; plain TCP, no client
/// certificate, or a device certificate of the same site CA are cut off.
/// </summary>
public sealed class SiloTlsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60); // a hang guard: a loaded CI machine is slow, not stuck

    [Fact]
    public async Task SiloPort_SiloCertificate_CompletesMutualTls_AsTheSiloItself()
    {
        using var pki = new SitePki([IPAddress.Loopback]);
        await using var site = await TlsSite.StartAsync(WithSiloTls(pki));
        var siloPort = site.Settings.SiloPort;

        using var silo = X509Certificate2.CreateFromPemFile(pki.Site.SiloCertificate, pki.Site.SiloKey);
        var (ok, server, problem) = await HandshakeAsync(siloPort, silo, pki, TimeSpan.FromSeconds(2));

        Assert.True(ok, problem);
        Assert.Equal(SiteCertificates.SiloSubject("line1"), server);
    }

    [Fact]
    public async Task SiloPort_DeviceCertificateOfTheSameCaOrNoCertificate_IsCutOff()
    {
        using var pki = new SitePki([IPAddress.Loopback]);
        await using var site = await TlsSite.StartAsync(WithSiloTls(pki));
        var siloPort = site.Settings.SiloPort;

        using var device = X509Certificate2.CreateFromPemFile(pki.Site.DeviceCertificate("loop-plc"), pki.Site.DeviceKey("loop-plc"));
        // Silence counts as an open session only after the whole deadline: a loaded machine's silo cut them off after the
        // 2 s the accepted case waits, which read as "reached the silo".
        var (deviceOk, _, deviceProblem) = await HandshakeAsync(siloPort, device, pki, Deadline);
        var (anonymousOk, _, anonymousProblem) = await HandshakeAsync(siloPort, null, pki, Deadline);

        Assert.False(deviceOk, "a device certificate reached the silo");
        Assert.False(anonymousOk, "a client without certificate reached the silo");
        Assert.NotNull(deviceProblem);
        Assert.NotNull(anonymousProblem);
    }

    [Fact]
    public async Task SiloPort_PlainTcp_GetsNoOrleansAnswerAndIsClosed()
    {
        using var pki = new SitePki([IPAddress.Loopback]);
        await using var site = await TlsSite.StartAsync(WithSiloTls(pki));
        var siloPort = site.Settings.SiloPort;

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, siloPort);
        var stream = tcp.GetStream();
        // What an Orleans client sends first over plain TCP: a length-prefixed preamble (here a made-up one).
        byte[] preamble = [0, 0, 0, 16, .. new byte[16]];
        await stream.WriteAsync(preamble);
        var answer = new List<byte>();
        try
        {
            var buffer = new byte[4096];
            int read;
            while ((read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Deadline)) > 0)
            {
                answer.AddRange(buffer.AsSpan(0, read));
            }
        }
        catch (IOException)
        {
            // reset: closed
        }

        // At most a TLS alert record (content type 21), never an Orleans frame.
        Assert.True(answer.Count == 0 || answer[0] == 21, $"the silo answered {answer.Count} bytes, the first {answer.FirstOrDefault()}");
    }

    [Fact]
    public void PlantModel_SiloSectionWithoutCa_IsRefusedWhereItIs()
    {
        using var pki = new SitePki([IPAddress.Loopback]);
        var yaml = WithSiloTls(pki).Replace($"  client_ca: {pki.Site.CaCertificate}\n", string.Empty, StringComparison.Ordinal);

        var error = Assert.ThrowsAny<FormatException>(() => Twins.Plant.PlantModelLoader.Parse(yaml, "site.yaml"));

        Assert.Contains("tls.silo", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The TLS site's plant model with <c>tls.silo</c> (its CA: <c>tls.client_ca</c>) and one loopback MQTT/TLS listener.</summary>
    internal static string WithSiloTls(SitePki pki) =>
        pki.PlantYaml("  - { protocol: mqtts, address: 127.0.0.1, port: 0 }").Replace(
            $"  client_ca: {pki.Site.CaCertificate}\n",
            $"  client_ca: {pki.Site.CaCertificate}\n  silo: {{ certificate: {pki.Site.SiloCertificate}, key: {pki.Site.SiloKey} }}\n",
            StringComparison.Ordinal);

    /// <summary>
    /// A TLS handshake as a silo client would make it, then one read: a server that refuses the client certificate says
    /// so with an alert during the handshake (TLS 1.2) or on the first read (TLS 1.3). Silence for
    /// <paramref name="open"/> after the handshake is an open session.
    /// </summary>
    private static async Task<(bool Ok, string? ServerSubject, string? Problem)> HandshakeAsync(int port, X509Certificate2? client, SitePki pki, TimeSpan open)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream());
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(pki.Site.CaCertificate);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "twinguard-silo.line1",
                ClientCertificates = client is null ? [] : [client],
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, CustomTrustStore = { roots[0] }, RevocationMode = X509RevocationMode.NoCheck },
            }).WaitAsync(Deadline);
            var subject = tls.RemoteCertificate?.Subject;

            // Refused after the handshake (TLS 1.3): the next read fails or ends; accepted: it waits for Orleans' preamble.
            // Accepted, Orleans may speak first (its preamble) or wait for ours: data or silence are both an open session.
            var read = tls.ReadAsync(new byte[1]).AsTask();
            var ended = await Task.WhenAny(read, Task.Delay(open)) == read;
            if (ended && (read.IsFaulted || read.Result == 0))
            {
                return (false, subject, read.IsFaulted ? read.Exception!.GetBaseException().Message : "closed by the silo");
            }

            return (true, subject, null);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            return (false, null, ex.Message);
        }
    }
}

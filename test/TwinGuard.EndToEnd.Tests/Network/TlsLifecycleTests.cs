using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using TwinGuard.Ingest.Mqtt.PreLogin;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.EndToEnd.Tests.Network;

/// <summary>
/// The TLS listeners over a site's life, on loopback with real clients: a client that never sends its ClientHello,
/// a server certificate replaced on disk while devices are connected, and a device certificate issued by an
/// intermediate CA that the device sends with its certificate (<c>mosquitto_pub --cert chain.pem</c>).
/// </summary>
public sealed class TlsLifecycleTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60); // a hang guard: a loaded CI machine is slow, not stuck

    [Fact]
    public async Task TlsListener_ClientThatNeverSendsClientHello_IsClosedAtTheConfiguredConnectTimeout()
    {
        // Configured above the default (5 s), so that a close at the default fails the lower bound below: a bound a slow
        // machine can only move further away. (A configured 1 s checked against an upper bound of 4 s failed when the
        // close, or this thread, came late on a loaded machine.)
        var configured = PreLoginLimits.Default.ConnectTimeout + TimeSpan.FromSeconds(1);
        using var pki = new SitePki([IPAddress.Loopback]);
        var yaml = pki.PlantYaml("  - { protocol: mqtts, address: 127.0.0.1, port: 0 }")
            + string.Create(CultureInfo.InvariantCulture, $"\nlimits:\n  mqtt: {{ connect_timeout: {configured.TotalSeconds}s }}\n");
        await using var site = await TlsSite.StartAsync(yaml);
        var clock = Stopwatch.StartNew(); // before the connection exists: the server's deadline cannot start earlier
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, MqttsPort(site));

        // Nothing is sent; the server must close the socket on its own once the configured deadline passes.
        int read;
        try
        {
            read = await tcp.GetStream().ReadAsync(new byte[16]).AsTask().WaitAsync(configured + Deadline);
        }
        catch (IOException)
        {
            read = 0; // closed with a reset: closed all the same
        }

        var elapsed = clock.Elapsed;
        Assert.Equal(0, read);
        Assert.True(elapsed >= configured - TimeSpan.FromSeconds(0.1), $"closed after {elapsed.TotalSeconds:F2} s, before the configured {configured.TotalSeconds} s (the default is {PreLoginLimits.Default.ConnectTimeout.TotalSeconds} s)");
        await Eventually.HoldsAsync(() => site.Broker.Admission.Refused(AdmissionRefusal.ConnectTimeout), n => n == 1, Deadline, "the silent client counted as a connect timeout");
    }

    [Fact]
    public async Task ServerCertificate_PemFilesReplaced_NewHandshakesUseTheNewOne_OpenSessionsKeepRunning()
    {
        using var pki = new SitePki([IPAddress.Loopback]);
        var renewed = Renewal(pki);
        await using var site = await TlsSite.StartAsync(pki.PlantYaml("  - { protocol: mqtts, address: 127.0.0.1, port: 0 }"));
        var port = MqttsPort(site);
        Assert.Equal(Fingerprint(pki.Site.ServerCertificate), await ServerFingerprintAsync(port, pki.Site));
        using var device = await ConnectAsync(port, pki.Site, "loop-plc");

        // The operator's renewal: key and certificate written next to the old ones, then moved over them.
        Replace(renewed.ServerKey, pki.Site.ServerKey);
        Replace(renewed.ServerCertificate, pki.Site.ServerCertificate);

        Assert.Equal(Fingerprint(renewed.ServerCertificate), await ServerFingerprintAsync(port, pki.Site));
        Assert.NotEqual(Fingerprint(pki.Site.ServerCertificate + ".old"), Fingerprint(renewed.ServerCertificate));
        Assert.True(await device.TryPingAsync(), "the session opened before the renewal was dropped");
        var before = site.Metrics.ReadingsAccepted;
        await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("plant/pump1/speed")
            .WithPayload($$"""{"ts":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"seq":1,"value":1500}""")
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Eventually.HoldsAsync(() => site.Metrics.ReadingsAccepted - before, n => n >= 1, Deadline, "a reading over the old session");
    }

    [Fact]
    public async Task DeviceCertificate_IssuedByAnIntermediate_AcceptedWhenTheDeviceSendsTheChain_RefusedWithoutIt()
    {
        using var pki = new SitePki([IPAddress.Loopback]);
        using var own = new IntermediatePki();
        // The operator's own PKI: root -> intermediate -> loop-plc; tls.client_ca names the root only.
        var yaml = pki.PlantYaml("  - { protocol: mqtts, address: 127.0.0.1, port: 0 }")
            .Replace(pki.Site.CaCertificate, own.Root, StringComparison.Ordinal)
            .Replace(pki.Site.ServerCertificate, own.ServerCertificate, StringComparison.Ordinal)
            .Replace(pki.Site.ServerKey, own.ServerKey, StringComparison.Ordinal);
        await using var site = await TlsSite.StartAsync(yaml);
        var port = MqttsPort(site);
        var refusedBefore = site.Metrics.RefusalsOf(ReasonCode.BadCertificate);

        var withChain = await MosquittoTlsAsync(port, own.Root, own.DeviceChain, own.DeviceKey, 1);
        var leafOnly = await MosquittoTlsAsync(port, own.Root, own.DeviceLeaf, own.DeviceKey, 2);

        Assert.True(withChain.Code == 0, "with its chain: " + withChain.Error);
        Assert.Contains("not authorised", leafOnly.Error, StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => site.Metrics.RefusalsOf(ReasonCode.BadCertificate) - refusedBefore, n => n == 1, Deadline, "the leaf alone refused");
        var details = await Eventually.HoldsAsync(() => site.RefusalDetails(), d => d.Any(x => x.Reason == "bad_certificate"), Deadline, "the refusal stored");
        Assert.Contains(details, d => d.Detail.Contains("'CN=loop-plc, O=line1'", StringComparison.Ordinal) && d.Detail.Contains("names no device", StringComparison.Ordinal));
    }

    internal static int MqttsPort(TlsSite site) => site.Broker.BoundListeners.Single(b => b.Listener.IsTls).EndPoint.Port;

    internal static string Fingerprint(string pemFile) => File.Exists(pemFile) ? DeviceCertificate.FingerprintOf(X509Certificate2.CreateFromPem(File.ReadAllText(pemFile))) : string.Empty;

    /// <summary>The server certificate a TLS handshake on <paramref name="port"/> presents, as its fingerprint.</summary>
    private static async Task<string> ServerFingerprintAsync(int port, SiteCertificates pki)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream());
        using var client = X509Certificate2.CreateFromPemFile(pki.DeviceCertificate("loop-plc"), pki.DeviceKey("loop-plc"));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = [client],
            RemoteCertificateValidationCallback = (_, _, _, _) => true, // only looked at here
        }).WaitAsync(Deadline);
        return DeviceCertificate.FingerprintOf(X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData()));
    }

    private static async Task<IMqttClient> ConnectAsync(int port, SiteCertificates pki, string device)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(pki.CaCertificate);
        var certificate = X509Certificate2.CreateFromPemFile(pki.DeviceCertificate(device), pki.DeviceKey(device));
        var client = new MqttClientFactory().CreateMqttClient();
        var connected = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithTlsOptions(t => t.UseTls().WithTargetHost("localhost").WithTrustChain(roots).WithClientCertificates([certificate])
                .WithRevocationMode(X509RevocationMode.NoCheck))
            .Build()).WaitAsync(Deadline);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        return client;
    }

    /// <summary>A second server certificate from the same site CA (what a renewal gives).</summary>
    private static SiteCertificates Renewal(SitePki pki)
    {
        var directory = Path.Combine(pki.Directory, "renewed");
        Directory.CreateDirectory(directory);
        File.Copy(pki.Site.CaCertificate, Path.Combine(directory, "ca.crt"));
        File.Copy(Path.Combine(Path.GetDirectoryName(pki.Site.CaCertificate)!, "ca.key"), Path.Combine(directory, "ca.key"));
        var renewed = new SiteCertificates(directory, TimeProvider.System, TimeSpan.FromDays(60));
        renewed.CreateAll("line1", [], ["renewed.line1"], [IPAddress.Loopback]);
        return renewed;
    }

    private static void Replace(string from, string to)
    {
        File.Copy(to, to + ".old", overwrite: true);
        var staged = to + ".new";
        File.WriteAllBytes(staged, File.ReadAllBytes(from));
        File.Move(staged, to, overwrite: true);
        File.SetLastWriteTimeUtc(to, DateTime.UtcNow.AddSeconds(2)); // a later stamp whatever the file system's resolution
    }

    private static async Task<(int Code, string Error)> MosquittoTlsAsync(int port, string ca, string certificate, string key, int seq)
    {
        var start = new ProcessStartInfo("mosquitto_pub")
        {
            ArgumentList =
            {
                "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-V", "mqttv311", "-q", "1",
                "--cafile", ca, "--cert", certificate, "--key", key, "-t", "plant/pump1/speed",
                "-m", $$"""{"ts":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"seq":{{seq}},"value":1500}""",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Deadline);
        return (process.ExitCode, error);
    }

    /// <summary>An operator's PKI with an intermediate: root CA -> issuing CA -> loop-plc (and a server certificate from the root).</summary>
    private sealed class IntermediatePki : IDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("twinguard-intermediate-").FullName;

        public IntermediatePki()
        {
            var now = DateTimeOffset.UtcNow;
            using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var rootRequest = new CertificateRequest("CN=Plant Root CA, O=line1", rootKey, HashAlgorithmName.SHA256);
            rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
            using var root = rootRequest.CreateSelfSigned(now.AddHours(-1), now.AddYears(1));

            using var issuingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var issuingRequest = new CertificateRequest("CN=Plant Devices CA, O=line1", issuingKey, HashAlgorithmName.SHA256);
            issuingRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            issuingRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            issuingRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(issuingRequest.PublicKey, false));
            issuingRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
            using var issuingPublic = issuingRequest.Create(root, now.AddHours(-1), now.AddMonths(6), RandomNumberGenerator.GetBytes(16));
            using var issuing = issuingPublic.CopyWithPrivateKey(issuingKey);

            var leaf = Leaf(issuing, "CN=loop-plc, O=line1", "1.3.6.1.5.5.7.3.2", san => san.AddDnsName("loop-plc.line1"), DeviceKey);
            var server = Leaf(root, "CN=localhost, O=line1", "1.3.6.1.5.5.7.3.1", san =>
            {
                san.AddDnsName("localhost");
                san.AddIpAddress(IPAddress.Loopback);
            }, ServerKey);
            File.WriteAllText(Root, root.ExportCertificatePem());
            File.WriteAllText(DeviceLeaf, leaf);
            File.WriteAllText(DeviceChain, leaf + "\n" + issuing.ExportCertificatePem() + "\n");
            File.WriteAllText(ServerCertificate, server);
        }

        public string Root => Path.Combine(_directory, "root.crt");

        public string DeviceLeaf => Path.Combine(_directory, "loop-plc.crt");

        public string DeviceChain => Path.Combine(_directory, "loop-plc-chain.crt");

        public string DeviceKey => Path.Combine(_directory, "loop-plc.key");

        public string ServerCertificate => Path.Combine(_directory, "server.crt");

        public string ServerKey => Path.Combine(_directory, "server.key");

        public void Dispose() => Directory.Delete(_directory, recursive: true);

        private static string Leaf(X509Certificate2 issuer, string subject, string usage, Action<SubjectAlternativeNameBuilder> names, string keyFile)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
            var san = new SubjectAlternativeNameBuilder();
            names(san);
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
            var now = DateTimeOffset.UtcNow;
            using var certificate = request.Create(issuer, now.AddMinutes(-30), now.AddMonths(1), RandomNumberGenerator.GetBytes(16));
            File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
            return certificate.ExportCertificatePem();
        }
    }
}

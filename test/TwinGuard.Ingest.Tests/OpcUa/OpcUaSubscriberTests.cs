using System.Collections.Concurrent;
using TwinGuard.Ingest.OpcUa.Subscriptions;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.OpcUa;

/// <summary>The subscriber against a real node-opcua server: readings through the gate, and the server watched.</summary>
public sealed class OpcUaSubscriberTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static PlantModel Plant(string url, string? fingerprint = null, string nodeCheck = "30s", string security = "{ policy: none, mode: none }",
        string identity = "anonymous") => PlantModelLoader.Parse($$"""
        site: { id: s, topic_prefix: plant }
        assets:
          - id: pump1
            kind: pump
            signals:
              - { id: speed, unit: rpm, range: [0, 3200], max_rate: 20000, period: 100ms }
              - { id: flow, unit: l/min, range: [0, 160], max_rate: 1200, period: 100ms }
              - { id: vibration, unit: g, range: [0, 2], max_rate: 40, period: 100ms }
        devices: []
        opcua:
          devices:
            - id: pump-ua
              endpoint: {{url}}
              security: {{security}}
              identity: {{identity}}
              {{(fingerprint is null ? string.Empty : "server_certificate: " + fingerprint)}}
              publishing_interval: 100ms
              node_check: {{nodeCheck}}
              signals:
                - { asset: pump1, signal: speed, node: "ns=1;s=pump1.speed", sampling: 50ms }
                - { asset: pump1, signal: flow, node: "ns=1;s=pump1.flow", sampling: 50ms }
                - { asset: pump1, signal: vibration, node: "ns=1;s=pump1.vibration", sampling: 50ms }
        """);

    private sealed class Run : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Run(PlantModel plant)
        {
            var evidence = new EvidenceSink(new PipelineMetrics(), TimeProvider.System);
            evidence.Raised += f => Findings.Enqueue(f);
            Gate = new ReadingGate(plant, new QuarantineList(), new FloodGuard(plant, TimeProvider.System), evidence, Inbox);
            Subscriber = new OpcUaSubscriber(plant.OpcUa.Devices[0], Gate, evidence, TimeProvider.System, Certificate);
            _loop = Task.Run(() => Subscriber.RunAsync(_stop.Token));
        }

        public RecordingInbox Inbox { get; } = new();

        public static System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate { get; } =
            TwinGuard.Ingest.OpcUa.Client.OpcUaClientCertificate.LoadOrCreate(null, TimeProvider.System);

        public ConcurrentQueue<Finding> Findings { get; } = new();

        public ReadingGate Gate { get; }

        public OpcUaSubscriber Subscriber { get; }

        public IEnumerable<double> Values(string signal) => Inbox.Delivered
            .SelectMany(d => d.Message.Values.Where(v => Gate.Plant.FindAsset(d.Asset)!.Signals[v.SignalIndex].Id == signal).Select(v => v.Value));

        public Task<Finding> FindingAsync(ReasonCode reason) =>
            Eventually.HoldsAsync(() => Findings.FirstOrDefault(f => f.Reason == reason), f => f is not null, Deadline, reason.Name())!;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }

            _stop.Dispose();
        }
    }

    [Fact]
    public async Task Run_NodeOpcUaPump_ReadingsReachTheTwinsInboxWithIncreasingSequence()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        await using var run = new Run(Plant(server.Url, server.Fingerprint));

        await Eventually.HoldsAsync(() => run.Values("speed").Count(), n => n >= 10, Deadline, "10 speed readings");

        Assert.All(run.Values("speed"), v => Assert.InRange(v, 1300, 1700));
        Assert.Contains(run.Values("flow"), v => v is > 70 and < 90);
        var sequences = run.Inbox.Delivered.Select(d => d.Message.Sequence).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.All(run.Inbox.Delivered, d => Assert.Equal("pump-ua", d.Message.DeviceId));
        Assert.DoesNotContain(run.Findings, f => f.Severity >= Severity.Medium);
    }

    [Fact]
    public async Task Run_SecondWriterSpoofsOutOfRangeSpeed_GateRefusesIt()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        await using var run = new Run(Plant(server.Url));
        await Eventually.HoldsAsync(() => run.Values("speed").Count(), n => n >= 3, Deadline, "speed readings");

        await server.CommandAsync("set speed 5000");

        // The gate passes a finite number on; the twin's validation refuses the range. Here: the value reaches the inbox
        // attributed to the OPC UA server, as any spoofed value would, and the end-to-end test sees out_of_range.
        await Eventually.HoldsAsync(() => run.Values("speed").Contains(5000), v => v, Deadline, "the spoofed 5000 rpm");
    }

    [Fact]
    public async Task Run_BadSensorStatus_IsRefusedAsBadQualityNotPassedOn()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        await using var run = new Run(Plant(server.Url));
        await Eventually.HoldsAsync(() => run.Values("flow").Count(), n => n >= 3, Deadline, "flow readings");

        await server.CommandAsync("status flow BadSensorFailure");
        var finding = await run.FindingAsync(ReasonCode.BadQuality);

        Assert.Equal("flow", finding.SignalId);
        Assert.Contains("BadSensorFailure", finding.Message, StringComparison.Ordinal);
        var before = run.Values("flow").Count();
        await Eventually.HoldsAsync(() => run.Values("speed").Count(), n => n >= 20, Deadline, "more speed readings");
        Assert.Equal(before, run.Values("flow").Count());
    }

    [Fact]
    public async Task Run_NodeDeletedOnTheServer_RaisesNodeMissing()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        await using var run = new Run(Plant(server.Url, nodeCheck: "200ms"));
        await Eventually.HoldsAsync(() => run.Values("vibration").Count(), n => n >= 2, Deadline, "vibration readings");

        await server.CommandAsync("delete vibration");
        var finding = await run.FindingAsync(ReasonCode.NodeMissing);

        Assert.Equal("vibration", finding.SignalId);
    }

    [Fact]
    public async Task Run_ServerClosesTheSession_RaisesSessionClosedAndResubscribes()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        await using var run = new Run(Plant(server.Url));
        await Eventually.HoldsAsync(() => run.Subscriber.Sessions, n => n == 1, Deadline, "a session");
        await Eventually.HoldsAsync(() => run.Values("speed").Count(), n => n >= 2, Deadline, "speed readings");

        await server.CommandAsync("close-sessions");
        await run.FindingAsync(ReasonCode.SessionClosed);

        await Eventually.HoldsAsync(() => run.Subscriber.Sessions, n => n >= 2, Deadline, "a second session");
        var count = run.Values("speed").Count();
        await Eventually.HoldsAsync(() => run.Values("speed").Count(), n => n > count + 3, Deadline, "readings after resubscribing");
    }

    [Fact]
    public async Task Run_CertificateSwapped_PinnedFingerprintRefusesTheNewServer()
    {
        var server = await NodeOpcUaServer.StartAsync();
        var port = server.Port;
        var pinned = server.Fingerprint;
        await using var run = new Run(Plant(server.Url, pinned));
        await Eventually.HoldsAsync(() => run.Values("speed").Count(), n => n >= 2, Deadline, "speed readings");
        await server.DisposeAsync();

        // An impostor on the same address with its own certificate (a new PKI directory).
        await using var impostor = await NodeOpcUaServer.StartAsync(port: port);
        var finding = await run.FindingAsync(ReasonCode.ServerCertificateChanged);

        Assert.Contains(impostor.Fingerprint, finding.Message, StringComparison.Ordinal);
        Assert.Equal(Severity.High, finding.Severity);
        var count = run.Values("speed").Count();
        await Eventually.HoldsAsync(() => run.Findings.Count(f => f.Reason == ReasonCode.DeviceUnreachable), n => n >= 1, Deadline, "the outage");
        Assert.Equal(1, run.Subscriber.Sessions);
        Assert.Equal(count, run.Values("speed").Count());
    }

    [Fact]
    public async Task Run_ServerRestartsOfferingOnlyNone_RaisesSecurityDowngrade()
    {
        var server = await NodeOpcUaServer.StartAsync();
        var (port, pki) = (server.Port, server.PkiDirectory);
        await using var run = new Run(Plant(server.Url));
        await Eventually.HoldsAsync(() => run.Subscriber.Sessions, n => n == 1, Deadline, "a session");
        await server.DisposeAsync();

        await using var downgraded = await NodeOpcUaServer.StartAsync(pki, port, policies: "none");
        var finding = await run.FindingAsync(ReasonCode.SecurityDowngrade);

        Assert.Contains("None", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Findings, f => f.Reason == ReasonCode.ServerCertificateChanged);
    }

    [Fact]
    public async Task Run_SignAndEncrypt_ReadingsReachTheInbox()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        await using var run = new Run(Plant(server.Url, server.Fingerprint, security: "{ policy: basic256sha256, mode: sign_and_encrypt }"));

        await Eventually.HoldsAsync(() => run.Values("speed").Count(), n => n >= 5, Deadline, "5 speed readings over SignAndEncrypt");

        // The test server also offers None and Sign: weaker than configured, reported once, and never used.
        var finding = Assert.Single(run.Findings, f => f.Severity >= Severity.Medium);
        Assert.Equal(ReasonCode.SecurityDowngrade, finding.Reason);
        Assert.Contains("offers None/None, weaker than the configured basic256sha256/SignAndEncrypt", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SecureServerRestartsOfferingOnlyNone_RaisesDowngradeAndNeverFallsBack()
    {
        var server = await NodeOpcUaServer.StartAsync();
        var (port, pki) = (server.Port, server.PkiDirectory);
        await using var run = new Run(Plant(server.Url, security: "{ policy: basic256sha256, mode: sign }"));
        await Eventually.HoldsAsync(() => run.Subscriber.Sessions, n => n == 1, Deadline, "a signed session");
        await server.DisposeAsync();

        await using var downgraded = await NodeOpcUaServer.StartAsync(pki, port, policies: "none");
        var finding = await run.FindingAsync(ReasonCode.SecurityDowngrade);

        Assert.Contains("weaker than the configured basic256sha256", finding.Message, StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => run.Findings.Count(f => f.Reason == ReasonCode.DeviceUnreachable), n => n >= 1, Deadline, "the refusal to connect");
        Assert.Equal(1, run.Subscriber.Sessions);
    }

    [Fact]
    public async Task Run_PublishResponseLostOnTheServer_GapIsRecoveredWithRepublishInOrder()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        await using var run = new Run(Plant(server.Url, server.Fingerprint));
        await Eventually.HoldsAsync(() => run.Values("speed").Count(), n => n >= 3, Deadline, "speed readings");

        // Quiet the simulation and let one marked value through, so that the only change pending is the next one.
        await server.CommandAsync("pause");
        await server.CommandAsync("set speed 1111.5");
        await Eventually.HoldsAsync(() => run.Values("speed").Contains(1111.5), seen => seen, Deadline, "the marker value");

        // The server numbers the next data message and keeps it for Republish but never sends it (a lost response).
        await server.CommandAsync("drop-next-publish");
        await server.CommandAsync("set speed 2222.5");
        var dropped = uint.Parse((await server.WaitForOutputAsync("dropped ", Deadline))!.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        await server.CommandAsync("set speed 2333.5"); // the next message carries dropped + 1: the client sees the gap

        var gap = await run.FindingAsync(ReasonCode.PublishGap);
        Assert.Contains($"skipped 1 notification message(s) ({dropped}..{dropped})", gap.Message, StringComparison.Ordinal);
        Assert.Contains("1 recovered with Republish, 0 lost", gap.Message, StringComparison.Ordinal);
        Assert.Equal(1, run.Subscriber.Republished);
        await Eventually.HoldsAsync(() => run.Values("speed").Contains(2333.5), seen => seen, Deadline, "the value after the gap");
        var speeds = run.Values("speed").ToList();
        Assert.True(speeds.IndexOf(2222.5) >= 0 && speeds.IndexOf(2222.5) < speeds.IndexOf(2333.5), "the recovered value reaches the twin before the one that revealed the gap");
        Assert.DoesNotContain(run.Findings, f => f.Reason is ReasonCode.SequenceRollback or ReasonCode.SessionClosed);
    }

    [Fact]
    public async Task Run_Aes128SignAndEncryptWithX509UserCertificate_ReadingsReachTheInbox()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        var directory = Directory.CreateTempSubdirectory("twinguard-opcua-user-").FullName;
        try
        {
            using var user = UserCertificates.Create("CN=twinguard-reader");
            await File.WriteAllTextAsync(Path.Combine(directory, "user.pem"), user.ExportCertificatePem());
            using var userKey = System.Security.Cryptography.X509Certificates.RSACertificateExtensions.GetRSAPrivateKey(user)!;
            await File.WriteAllTextAsync(Path.Combine(directory, "user.key"), userKey.ExportPkcs8PrivateKeyPem());
            var plant = Plant(server.Url, server.Fingerprint, security: "{ policy: aes128_sha256_rsaoaep, mode: sign_and_encrypt }",
                identity: $"{{ certificate: {Path.Combine(directory, "user.pem")}, key: {Path.Combine(directory, "user.key")} }}");
            await using var run = new Run(plant);

            await Eventually.HoldsAsync(() => run.Values("speed").Count(), n => n >= 5, Deadline, "5 speed readings over Aes128_Sha256_RsaOaep");

            Assert.Equal(1, run.Subscriber.Sessions);
            Assert.DoesNotContain(run.Findings, f => f.Reason is ReasonCode.DeviceUnreachable or ReasonCode.SessionClosed);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

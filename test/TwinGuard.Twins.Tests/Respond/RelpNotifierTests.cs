using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Respond;
using Xunit.Abstractions;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>Findings to a SIEM over RELP, received by a real rsyslogd (imrelp) that is killed mid-stream and started again.</summary>
public sealed partial class RelpNotifierTests(ITestOutputHelper output) : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 4, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-relp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(1)]
    [InlineData(NotifierModel.DefaultRelpWindow)]
    public async Task DeliverAsync_CollectorKilledMidStream_NoFindingLostAndOnlyUnansweredOnesRepeated(int window)
    {
        const int Findings = 3000;
        const int Kills = 3;
        using var collector = new RsyslogRelpCollector();
        await collector.StartAsync();
        var model = new NotifierModel(NotifierKind.Syslog, "soc", "127.0.0.1", collector.Port, Tcp: true) { Relp = true, Window = window };
        var plan = ResponsePlan.Empty with { Notifiers = [model], Forwarding = [new ForwardRule("soc", Severity.Info, [])] };
        using var notifier = new RelpNotifier(model, TimeProvider.System);
        using var forwarder = new FindingForwarder(plan, [notifier], "north", _dir, TimeProvider.System, NullLogger<FindingForwarder>.Instance);
        using var stop = new CancellationTokenSource();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var delivering = forwarder.RunAsync(stop.Token);

        var producing = Task.Run(async () =>
        {
            for (var id = 1; id <= Findings; id++)
            {
                forwarder.Observe(id, Finding(id));
                if (id % 100 == 0)
                {
                    await Task.Yield();
                }
            }
        });

        // Killed three times while messages stream in: each time, every message TwinGuard counted as delivered (answered
        // rsp 200) is already in the collector's file, whatever it still held.
        var afterKills = new List<(int Lines, long Acknowledged)>();
        for (var kill = 1; kill <= Kills; kill++)
        {
            var before = collector.Received().Count;
            await Eventually.HoldsAsync(() => collector.Received().Count, n => n >= before + 300, TimeSpan.FromSeconds(120), $"300 more messages before kill {kill}");
            await collector.KillAsync();
            var acknowledged = forwarder.Status[0].Delivered;
            var stored = DistinctIds(collector.Received()).Count;
            Assert.True(acknowledged <= stored, $"kill {kill}: {acknowledged} acknowledged but only {stored} distinct findings in the collector's file");
            afterKills.Add((collector.Received().Count, acknowledged));
            await collector.StartAsync();
        }

        await producing;
        await Eventually.HoldsAsync(() => DistinctIds(collector.Received()).Count, n => n == Findings, TimeSpan.FromSeconds(180), $"all {Findings} findings in the collector's file");
        await Eventually.HoldsAsync(() => forwarder.Status[0].Depth, d => d == 0, TimeSpan.FromSeconds(30), "an empty queue");
        await stop.CancelAsync();
        await delivering;

        var lines = collector.Received();
        Assert.Equal(Enumerable.Range(1, Findings).Select(i => (long)i), DistinctIds(lines).Order());

        // Only what was in flight at a kill arrives twice, with its id: at most a window per kill, and never a finding
        // acknowledged before the kill (findings are queued in id order, so those are ids 1..acknowledged).
        var repeats = lines.Count - Findings;
        output.WriteLine($"window {window}: {Findings} findings through {Kills} kills of rsyslogd in {started.Elapsed.TotalSeconds:F1} s: {lines.Count} lines received, {repeats} repeated");
        Assert.InRange(repeats, 0, Kills * window);
        foreach (var (after, acknowledged) in afterKills)
        {
            Assert.All(Ids(lines.Skip(after)), id => Assert.True(id > acknowledged, $"finding {id} sent again after the kill although {acknowledged} were acknowledged"));
        }

        Assert.Equal((Findings, 0L), (forwarder.Status[0].Delivered, forwarder.Status[0].Dropped));
        Assert.All(lines, l => Assert.Contains("cs5Label=mitreAttackTechniques cs5=T0832,T0856", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeliverAsync_CollectorDown_ThrowsIOExceptionForTheForwarderToRetry()
    {
        using var collector = new RsyslogRelpCollector(); // configured, never started: its port refuses connections
        var model = new NotifierModel(NotifierKind.Syslog, "soc", "127.0.0.1", collector.Port, Tcp: true) { Relp = true };
        using var notifier = new RelpNotifier(model, TimeProvider.System);

        await Assert.ThrowsAnyAsync<IOException>(() => notifier.DeliverAsync(notifier.Render(new ForwardedFinding("north", 1, Finding(1))), CancellationToken.None));

        // Up again: the same notifier opens a new session and the message is answered.
        await collector.StartAsync();
        var where = await notifier.DeliverAsync(notifier.Render(new ForwardedFinding("north", 1, Finding(1))), CancellationToken.None);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"syslog relp://127.0.0.1:{collector.Port}"), where);
        Assert.Equal([1L], DistinctIds(collector.Received()));
    }

    [Fact]
    public async Task DeliverAsync_PeerNeverAnswers_GivesUpAfterTheAnswerTimeout()
    {
        // A peer that takes the connection and reads, but never answers the open (a hung collector).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var clock = new FakeTimeProvider(T0);
        var model = new NotifierModel(NotifierKind.Syslog, "soc", "127.0.0.1", port, Tcp: true) { Relp = true };
        using var notifier = new RelpNotifier(model, clock);

        var delivering = notifier.DeliverAsync(notifier.Render(new ForwardedFinding("north", 1, Finding(1))), CancellationToken.None);
        using var peer = await listener.AcceptTcpClientAsync();
        var buffer = new byte[256];
        var read = await peer.GetStream().ReadAsync(buffer);
        Assert.StartsWith("1 open ", System.Text.Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        Assert.False(delivering.IsCompleted);

        clock.Advance(RelpNotifier.AnswerTimeout + TimeSpan.FromSeconds(1));
        var error = await Assert.ThrowsAnyAsync<IOException>(() => delivering);
        Assert.Contains("no answer within 30 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeliverAsync_RelpTlsToACollectorOfThePinnedCa_IsAcknowledgedAndAnotherCaIsRefused()
    {
        using var collector = new RsyslogRelpCollector(tls: true);
        await collector.StartAsync();
        var model = new NotifierModel(NotifierKind.Syslog, "soc", "127.0.0.1", collector.Port, Tcp: true) { Relp = true, Tls = new ClientTls(collector.CaPath, null, null) };
        using var notifier = new RelpNotifier(model, TimeProvider.System);

        var where = await notifier.DeliverAsync(notifier.Render(new ForwardedFinding("north", 7, Finding(7))), CancellationToken.None);

        Assert.StartsWith("syslog relp+tls://127.0.0.1:", where, StringComparison.Ordinal);
        Assert.Equal([7L], DistinctIds(collector.Received()));

        // Pinned to a CA that did not issue the collector's certificate: no session, nothing delivered.
        var otherCa = Path.Combine(_dir, "other-ca.crt");
        RsyslogRelpCollector.WriteCa(otherCa).Dispose();
        using var wrong = new RelpNotifier(model with { Tls = new ClientTls(otherCa, null, null) }, TimeProvider.System);
        await Assert.ThrowsAnyAsync<IOException>(() => wrong.DeliverAsync(wrong.Render(new ForwardedFinding("north", 8, Finding(8))), CancellationToken.None));
        Assert.Equal([7L], DistinctIds(collector.Received()));
    }

    private static List<long> DistinctIds(IEnumerable<string> lines) => Ids(lines).Distinct().ToList();

    private static List<long> Ids(IEnumerable<string> lines) =>
        lines.Select(l => long.Parse(FindingId().Match(l).Groups[1].Value, CultureInfo.InvariantCulture)).ToList();

    private static Finding Finding(int i) =>
        new(T0.AddSeconds(i), ReasonCode.RelationViolated, Severity.High, "pump1", "flow", "loop-plc", 12.5, 0.9, "pump1.flow breaks its relation", "flow ~ 0.05 * speed");

    [GeneratedRegex(@"finding=""(\d+)""")]
    private static partial Regex FindingId();
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using TwinGuard.Server.Hosting;
using TwinGuard.Testing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>Findings to a SIEM over syslog TCP (RFC 6587 octet counting), received by a real listener that is down for a while.</summary>
public sealed partial class FindingForwarderTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-forward-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Observe_SiemDownThenUp_EveryFindingArrivesOnceWithItsIdAndAttackTechniques()
    {
        using var collector = DownCollector(out var port);
        using var forwarder = NewForwarder(port);
        using var stop = new CancellationTokenSource();
        var delivering = forwarder.RunAsync(stop.Token);

        for (var id = 1; id <= 20; id++)
        {
            forwarder.Observe(id, Finding(id % 2 == 0 ? Severity.High : Severity.Medium));
        }

        forwarder.Observe(21, Finding(Severity.Low)); // below the rule's min_severity: stays home
        Assert.Equal(20, Assert.Single(forwarder.Status).Depth);

        // The SIEM comes back: everything queued while it was down arrives, in order.
        var received = new ConcurrentQueue<string>();
        collector.Listen();
        var receiving = ReceiveAsync(collector, received, stop.Token);
        await Eventually.HoldsAsync(() => received.Count, n => n >= 20, TimeSpan.FromSeconds(60), "20 syslog messages");
        await Eventually.HoldsAsync(() => forwarder.Status[0].Depth, d => d == 0, TimeSpan.FromSeconds(10), "an empty queue");
        await stop.CancelAsync();
        await delivering;

        var ids = received.Select(m => long.Parse(FindingId().Match(m).Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), ids.Distinct());
        Assert.All(received, m => Assert.Contains("cs5Label=mitreAttackTechniques cs5=T0832,T0856", m, StringComparison.Ordinal));
        Assert.Equal((20L, 0L), (forwarder.Status[0].Delivered, forwarder.Status[0].Dropped));
    }

    [Fact]
    public async Task Observe_StoppedBeforeDelivery_TheNextStartDeliversWhatWasQueued()
    {
        using var collector = DownCollector(out var port);
        using (var first = NewForwarder(port))
        {
            for (var id = 1; id <= 5; id++)
            {
                first.Observe(id, Finding(Severity.High));
            }
        }

        collector.Listen();
        using var stop = new CancellationTokenSource();
        var received = new ConcurrentQueue<string>();
        var receiving = ReceiveAsync(collector, received, stop.Token);
        using var second = NewForwarder(port);
        Assert.Equal(5, second.Status[0].Depth);
        var delivering = second.RunAsync(stop.Token);

        await Eventually.HoldsAsync(() => received.Count, n => n >= 5, TimeSpan.FromSeconds(30), "the 5 findings queued before the restart");
        await stop.CancelAsync();
        await delivering;

        Assert.Equal(5, received.Count);
        Assert.False(File.Exists(Path.Combine(_dir, "soc.queue")) && new FileInfo(Path.Combine(_dir, "soc.queue")).Length > 0);
    }

    [Fact]
    public void Observe_QueueFull_DropsAndCountsInsteadOfGrowing()
    {
        using var forwarder = NewForwarder(LoopbackPorts.Free(), maxBytes: ForwardQueue.MaxMessageBytes);

        for (var id = 1; id <= 500; id++)
        {
            forwarder.Observe(id, Finding(Severity.High));
        }

        var status = Assert.Single(forwarder.Status);
        Assert.True(status.Dropped > 0);
        Assert.Equal(500, status.Depth + status.Dropped);
        Assert.True(new FileInfo(Path.Combine(_dir, "soc.queue")).Length <= ForwardQueue.MaxMessageBytes);
    }

    private FindingForwarder NewForwarder(int port, long maxBytes = FindingForwarder.DefaultQueueBytes)
    {
        var syslog = new NotifierModel(NotifierKind.Syslog, "soc", "127.0.0.1", port, Tcp: true);
        var plan = ResponsePlan.Empty with { Notifiers = [syslog] };
        plan = plan with { Forwarding = [new ForwardRule("soc", Severity.Medium, [])] };
        return new FindingForwarder(plan, [new SyslogNotifier(syslog)], "north", _dir, TimeProvider.System, NullLogger<FindingForwarder>.Instance, maxBytes);
    }

    private static Finding Finding(Severity severity) =>
        new(T0, ReasonCode.RelationViolated, severity, "pump1", "flow", "loop-plc", 12.5, 0.9, "pump1.flow breaks its relation", "flow ~ 0.05 * speed");


    /// <summary>
    /// A SIEM collector that is down: its port held bound but not listening, so the forwarder is refused as by a collector
    /// that is down, and no other process can take the port before the collector comes up on it (<see cref="Socket.Listen()"/>).
    /// A port found free and bound only when the collector came up could be taken meanwhile by a test process beside this one.
    /// </summary>
    private static Socket DownCollector(out int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return socket;
    }

    /// <summary>Accepts connections and reads RFC 6587 §3.4.1 frames: <c>MSG-LEN SP SYSLOG-MSG</c>.</summary>
    private static async Task ReceiveAsync(Socket listener, ConcurrentQueue<string> received, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await using var stream = new NetworkStream(await listener.AcceptAsync(cancellationToken), ownsSocket: true);
                var pending = new List<byte>();
                var buffer = new byte[8192];
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    pending.AddRange(buffer.AsSpan(0, read).ToArray());
                    while (pending.IndexOf((byte)' ') is var space and > 0
                           && int.Parse(Encoding.ASCII.GetString([.. pending.Take(space)]), CultureInfo.InvariantCulture) is var length
                           && pending.Count >= space + 1 + length)
                    {
                        received.Enqueue(Encoding.UTF8.GetString([.. pending.Skip(space + 1).Take(length)]));
                        pending.RemoveRange(0, space + 1 + length);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [GeneratedRegex(@"finding=""(\d+)""")]
    private static partial Regex FindingId();
}

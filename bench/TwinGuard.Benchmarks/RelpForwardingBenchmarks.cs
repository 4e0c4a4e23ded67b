using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.Logging.Abstractions;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Respond;
using TwinGuard.Twins.Tests.Respond;

namespace TwinGuard.Benchmarks;

/// <summary>
/// Findings forwarded over RELP to a real rsyslogd (imrelp, a <c>Direct</c> queue writing each message to a file before
/// answering), through <see cref="FindingForwarder"/> and its queue on disk, with a window of one message in flight
/// against the default window, on loopback and through a proxy adding 10 ms each way (a 20 ms round trip).
/// One operation is one finding acknowledged by the collector: msgs/s = 1 s / the mean per operation.
/// Run: <c>dotnet run -c Release --project bench/TwinGuard.Benchmarks -- --filter '*RelpForwarding*'</c>.
/// </summary>
[Config(typeof(OneBurstPerIteration))]
public class RelpForwardingBenchmarks
{
    private const int Findings = 1000;
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 4, 0, 0, TimeSpan.Zero);

    private RsyslogRelpCollector? _collector;
    private DelayingTcpProxy? _proxy;
    private RelpNotifier? _notifier;
    private FindingForwarder? _forwarder;
    private CancellationTokenSource? _stop;
    private Task? _delivering;
    private string _queues = string.Empty;
    private long _next;

    /// <summary>Messages in flight on the session: 1 (each answered before the next) or the default.</summary>
    [Params(1, NotifierModel.DefaultRelpWindow)]
    public int Window { get; set; }

    /// <summary>Added latency each way, in milliseconds.</summary>
    [Params(0, 10)]
    public int DelayMs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _collector = new RsyslogRelpCollector();
        _collector.StartAsync().GetAwaiter().GetResult();
        var port = _collector.Port;
        if (DelayMs > 0)
        {
            _proxy = new DelayingTcpProxy(port, TimeSpan.FromMilliseconds(DelayMs));
            port = _proxy.Port;
        }

        var model = new NotifierModel(NotifierKind.Syslog, "soc", "127.0.0.1", port, Tcp: true) { Relp = true, Window = Window };
        var plan = ResponsePlan.Empty with { Notifiers = [model], Forwarding = [new ForwardRule("soc", Severity.Info, [])] };
        _queues = Directory.CreateTempSubdirectory("twinguard-bdn-relp-").FullName;
        _notifier = new RelpNotifier(model, TimeProvider.System);
        _forwarder = new FindingForwarder(plan, [_notifier], "north", _queues, TimeProvider.System, NullLogger<FindingForwarder>.Instance);
        _stop = new CancellationTokenSource();
        _delivering = _forwarder.RunAsync(_stop.Token);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop!.Cancel();
        _delivering!.GetAwaiter().GetResult();
        _forwarder!.Dispose();
        _notifier!.Dispose();
        _proxy?.Dispose();
        _collector!.Dispose();
        Directory.Delete(_queues, recursive: true);
    }

    /// <summary>A burst of findings queued at once, timed until the collector has acknowledged the last.</summary>
    [Benchmark(OperationsPerInvoke = Findings)]
    public async Task<long> Burst()
    {
        var target = _forwarder!.Status[0].Delivered + Findings;
        for (var i = 0; i < Findings; i++)
        {
            var id = ++_next;
            _forwarder.Observe(id, new Finding(T0.AddMilliseconds(id), ReasonCode.RelationViolated, Severity.High, "pump1", "flow", "loop-plc", 12.5, 0.9, "pump1.flow breaks its relation", "flow ~ 0.05 * speed"));
        }

        while (_forwarder.Status[0].Delivered < target)
        {
            await Task.Delay(1);
        }

        return target;
    }

    /// <summary>One burst per iteration (a burst is seconds long at a window of one over 20 ms), in this process (the
    /// collector and proxy live beside the forwarder).</summary>
    public sealed class OneBurstPerIteration : ManualConfig
    {
        public OneBurstPerIteration() =>
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3)
                .WithInvocationCount(1).WithUnrollFactor(1).WithToolchain(InProcessEmitToolchain.Instance));
    }
}

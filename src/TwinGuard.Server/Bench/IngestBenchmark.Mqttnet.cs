using System.Diagnostics;
using System.Net;
using MQTTnet.Server;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Bench;

/// <summary>The ceiling of the embedded broker: MQTTnet's server alone, with the same publisher and messages.</summary>
internal static partial class IngestBenchmark
{
    /// <summary>
    /// A bare MQTTnet server (default options, no authentication, no TwinGuard) whose only work per message is an
    /// interception that counts it: what MQTTnet itself takes to receive, decode and route a publish from
    /// <c>mosquitto_pub</c>. TwinGuard's broker cannot be faster than this.
    /// </summary>
    /// <remarks>Its CPU time and allocation per message are this process's, as TwinGuard's are: what MQTTnet costs of TwinGuard's.</remarks>
    private static async Task<PeerRun?> MeasureMqttnetAloneAsync(string[] lines, CancellationToken ct)
    {
        if (!OnPath("mosquitto_pub"))
        {
            return null;
        }

        var received = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task CountAsync(InterceptingPublishEventArgs _)
        {
            if (Interlocked.Increment(ref received) == lines.Length)
            {
                all.TrySetResult();
            }

            return Task.CompletedTask;
        }

        // Started again on a new port when another process took the picked one before MQTTnet bound it.
        var (started, port) = await LoopbackPorts.StartOnFreePortsAsync(async () =>
        {
            var picked = LoopbackPorts.Free();
            var options = new MqttServerOptionsBuilder()
                .WithDefaultEndpoint()
                .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
                .WithDefaultEndpointPort(picked)
                .Build();
            var candidate = new MqttServerFactory().CreateMqttServer(options);
            candidate.InterceptingPublishAsync += CountAsync;
            try
            {
                await candidate.StartAsync();
                return (candidate, picked);
            }
            catch
            {
                candidate.Dispose();
                throw;
            }
        });
        using var server = started;
        try
        {
            // Warmed up as TwinGuard's broker is (MeasureThroughBrokerAsync), with fewer messages than are measured.
            var warm = WarmUpLines(lines.Length);
            await RunPublisherAsync(port, null, null, warm, ct);
            await WaitForAsync(() => Volatile.Read(ref received) >= warm.Length, TimeSpan.FromMinutes(1), ct);
            all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref received, 0);
            var cost = ProcessCost.Start();
            var clock = Stopwatch.StartNew();
            await RunPublisherAsync(port, null, null, lines, ct);
            await all.Task.WaitAsync(TimeSpan.FromMinutes(2), ct);
            return new PeerRun(lines.Length / clock.Elapsed.TotalSeconds)
            {
                CpuMicrosecondsPerMessage = cost.CpuMicrosecondsPer(lines.Length),
                AllocatedBytesPerMessage = cost.AllocatedBytesPer(lines.Length),
            };
        }
        finally
        {
            await server.StopAsync();
        }
    }
}

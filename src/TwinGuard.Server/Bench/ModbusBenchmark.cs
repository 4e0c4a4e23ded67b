using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using TwinGuard.Ingest.Modbus;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench modbus</c>: requests per second through the inline guard, and the latency it adds (p50/p99)
/// compared with asking the PLC directly, on loopback.
/// </summary>
/// <remarks>
/// The PLC is a minimal in-process Modbus TCP server written for this benchmark (it answers function codes 3 and 6 from
/// an array), so that the PLC's own cost does not hide the guard's: a Python server (pymodbus) takes hundreds of
/// microseconds per request, several times what the guard adds. When Debian's python3-pymodbus is installed and the
/// repository's test script is found, the same comparison is also run against pymodbus, with fewer requests.
/// Latency: one client, one request outstanding, read of 10 holding registers, direct and guarded batches interleaved.
/// Throughput: 4 clients in parallel for 2 s each way.
/// </remarks>
internal static class ModbusBenchmark
{
    private const int Rounds = 10;
    private const int PerRound = 1000;
    private const int Clients = 4;
    private static readonly TimeSpan ThroughputWindow = TimeSpan.FromSeconds(2);

    public static ProductBenchmark Create() => new("modbus", "Modbus TCP guard: requests/s through it and added latency p50/p99 vs the PLC directly", RunAsync);

    private static async Task<int> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        await using var plc = new BenchPlc();
        var result = new Dictionary<string, object>
        {
            ["benchmark"] = "modbus",
            ["request"] = "read 10 holding registers (function 3)",
            ["peer"] = "in-process minimal Modbus TCP server (bench only)",
        };
        foreach (var (key, value) in await CompareAsync(plc.Port, Rounds, PerRound, cancellationToken))
        {
            result[key] = value;
        }

        if (PymodbusPlc.Find() is { } script)
        {
            await using var python = await PymodbusPlc.StartAsync(script, cancellationToken);
            result["pymodbus"] = await CompareAsync(python.Port, 4, 250, cancellationToken);
        }
        else
        {
            result["pymodbus"] = "not measured: /usr/bin/python3 with pymodbus, or the repository's test script, not found";
        }

        result["load_average_1m"] = LoadAverage();
        if (context.Json)
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(result));
            return 0;
        }

        await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"modbus guard vs {result["peer"]}: {result["guard_requests_per_s"]} requests/s through the guard ({Clients} clients; direct {result["direct_requests_per_s"]}), added latency p50 {result["added_p50_us"]} µs, p99 {result["added_p99_us"]} µs (direct p50 {result["direct_p50_us"]} / p99 {result["direct_p99_us"]} µs, guarded p50 {result["guard_p50_us"]} / p99 {result["guard_p99_us"]} µs)"));
        if (result["pymodbus"] is Dictionary<string, object> py)
        {
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  against pymodbus: {py["guard_requests_per_s"]} requests/s through the guard (direct {py["direct_requests_per_s"]}), added p50 {py["added_p50_us"]} µs, p99 {py["added_p99_us"]} µs (direct p50 {py["direct_p50_us"]} µs)"));
        }

        return 0;
    }

    private static async Task<Dictionary<string, object>> CompareAsync(int plcPort, int rounds, int perRound, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var device = new ModbusDeviceModel("bench-plc", "bench PLC", "127.0.0.1", plcPort, 1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2),
            [new ModbusPoint("plc", "level", ModbusTable.Holding, 0, ModbusValueType.UInt16, ModbusWordOrder.HighFirst, 1, 0)],
            // Port 0: the guard binds first and says which port it got, so no other process can take it in between.
            new ModbusGuardModel(new IPEndPoint(IPAddress.Loopback, 0), new HashSet<byte> { 1, 2, 3, 4, 5, 6, 15, 16, 23 },
                [new ModbusClientModel("bench-client", IPAddress.Loopback, true)],
                [new ModbusWritable(ModbusTable.Holding, 0, 100, 0, ushort.MaxValue, false, "plc")]));
        var metrics = new ModbusMetrics();
        await using var guard = new ModbusGuard(device, new QuarantineList(), new EvidenceSink(new PipelineMetrics(), time), metrics, time);
        guard.Start();
        var options = ModbusClientOptions.Default with { Timeout = TimeSpan.FromSeconds(5) };
        await using var direct = new ModbusTcpClient("127.0.0.1", plcPort, 1, options, time);
        await using var guarded = new ModbusTcpClient("127.0.0.1", guard.LocalEndpoint.Port, 1, options, time);

        await LatenciesAsync(direct, 200, null, cancellationToken); // warm-up: connections, JIT
        await LatenciesAsync(guarded, 200, null, cancellationToken);
        var directUs = new List<double>(rounds * perRound);
        var guardUs = new List<double>(rounds * perRound);
        for (var round = 0; round < rounds; round++)
        {
            await LatenciesAsync(direct, perRound, directUs, cancellationToken);
            await LatenciesAsync(guarded, perRound, guardUs, cancellationToken);
        }

        var directRate = await ThroughputAsync("127.0.0.1", plcPort, options, time, cancellationToken);
        var guardRate = await ThroughputAsync("127.0.0.1", guard.LocalEndpoint.Port, options, time, cancellationToken);
        directUs.Sort();
        guardUs.Sort();
        var (d50, d99, g50, g99) = (Percentile(directUs, 0.50), Percentile(directUs, 0.99), Percentile(guardUs, 0.50), Percentile(guardUs, 0.99));
        return new Dictionary<string, object>
        {
            ["requests_per_side"] = directUs.Count,
            ["direct_p50_us"] = Math.Round(d50, 1),
            ["direct_p99_us"] = Math.Round(d99, 1),
            ["guard_p50_us"] = Math.Round(g50, 1),
            ["guard_p99_us"] = Math.Round(g99, 1),
            ["added_p50_us"] = Math.Round(g50 - d50, 1),
            ["added_p99_us"] = Math.Round(g99 - d99, 1),
            ["direct_requests_per_s"] = Math.Round(directRate),
            ["guard_requests_per_s"] = Math.Round(guardRate),
            ["clients"] = Clients,
            ["guard_forwarded"] = metrics.Forwarded,
            ["guard_refused"] = metrics.Refused,
        };
    }

    private static async Task LatenciesAsync(ModbusTcpClient client, int count, List<double>? into, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var words = await client.ReadHoldingRegistersAsync(0, 10, cancellationToken);
            into?.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            if (words.Length != 10)
            {
                throw new InvalidOperationException("the PLC answered with the wrong number of registers");
            }
        }
    }

    private static async Task<double> ThroughputAsync(string host, int port, ModbusClientOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var clients = Enumerable.Range(0, Clients).Select(_ => new ModbusTcpClient(host, port, 1, options, time)).ToList();
        try
        {
            foreach (var client in clients)
            {
                await client.ReadHoldingRegistersAsync(0, 10, cancellationToken);
            }

            long done = 0;
            var start = Stopwatch.GetTimestamp();
            await Task.WhenAll(clients.Select(client => Task.Run(async () =>
            {
                while (Stopwatch.GetElapsedTime(start) < ThroughputWindow)
                {
                    await client.ReadHoldingRegistersAsync(0, 10, cancellationToken);
                    Interlocked.Increment(ref done);
                }
            }, cancellationToken)));
            return done / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];


    private static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    /// <summary>The bench's PLC: answers function 3 from 100 registers and 6 into them; anything else gets exception 01.</summary>
    internal sealed class BenchPlc : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly ushort[] _registers = Enumerable.Range(0, 100).Select(i => (ushort)i).ToArray();
        private readonly CancellationTokenSource _stopping = new();
        private readonly Task _accepting;

        public BenchPlc()
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(64);
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

        public async ValueTask DisposeAsync()
        {
            await _stopping.CancelAsync();
            _listener.Dispose();
            await _accepting;
            _stopping.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    var socket = await _listener.AcceptAsync(_stopping.Token);
                    socket.NoDelay = true;
                    _ = Task.Run(() => ServeAsync(socket));
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
            }
        }

        private async Task ServeAsync(Socket socket)
        {
            var frame = new byte[MbapHeader.MaxAdu];
            var answer = new byte[MbapHeader.MaxAdu];
            try
            {
                await using var stream = new NetworkStream(socket, ownsSocket: true);
                while (true)
                {
                    await stream.ReadExactlyAsync(frame.AsMemory(0, MbapHeader.Size), _stopping.Token);
                    var header = MbapHeader.Read(frame);
                    await stream.ReadExactlyAsync(frame.AsMemory(MbapHeader.Size, header.PduLength), _stopping.Token);
                    var length = Answer(frame.AsSpan(MbapHeader.Size, header.PduLength), answer.AsSpan(MbapHeader.Size));
                    MbapHeader.Write(answer, header.TransactionId, header.UnitId, length);
                    await stream.WriteAsync(answer.AsMemory(0, MbapHeader.Size + length), _stopping.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or EndOfStreamException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Client gone or bench over.
            }
        }

        private int Answer(ReadOnlySpan<byte> pdu, Span<byte> answer)
        {
            var address = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
            var quantity = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
            if (pdu[0] == 3 && address + quantity <= _registers.Length)
            {
                answer[0] = 3;
                answer[1] = (byte)(2 * quantity);
                for (var i = 0; i < quantity; i++)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(answer[(2 + (2 * i))..], _registers[address + i]);
                }

                return 2 + (2 * quantity);
            }

            if (pdu[0] == 6 && address < _registers.Length)
            {
                _registers[address] = quantity;
                pdu[..5].CopyTo(answer);
                return 5;
            }

            answer[0] = (byte)(pdu[0] | 0x80);
            answer[1] = 1;
            return 2;
        }
    }

    /// <summary>The repository's pymodbus test PLC, run with Debian's python3 on a free port.</summary>
    private sealed class PymodbusPlc : IAsyncDisposable
    {
        private readonly Process _process;

        private PymodbusPlc(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }

        public static string? Find()
        {
            if (!File.Exists("/usr/bin/python3") || !Directory.Exists("/usr/lib/python3/dist-packages/pymodbus"))
            {
                return null;
            }

            foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    var script = Path.Combine(dir.FullName, "test", "TwinGuard.Ingest.Tests", "Modbus", "pymodbus_plc.py");
                    if (File.Exists(script))
                    {
                        return script;
                    }
                }
            }

            return null;
        }

        /// <summary>Starts the PLC on a free port: again on another when one was taken before it bound it.</summary>
        public static Task<PymodbusPlc> StartAsync(string script, CancellationToken cancellationToken) =>
            LoopbackPorts.StartOnFreePortsAsync(() => StartOnAsync(script, LoopbackPorts.Free(), cancellationToken));

        private static async Task<PymodbusPlc> StartOnAsync(string script, int port, CancellationToken cancellationToken)
        {
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(script);
            info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
            var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start /usr/bin/python3");
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken);
            if (line != "listening")
            {
                var error = await process.StandardError.ReadToEndAsync(cancellationToken);
                process.Dispose();
                throw error.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                    ? new IOException($"pymodbus PLC: port {port} was taken before it bound it", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AddressAlreadyInUse))
                    : new InvalidOperationException("pymodbus PLC did not start: " + error);
            }

            return new PymodbusPlc(process, port);
        }

        public async ValueTask DisposeAsync()
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                _process.Kill();
            }

            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}

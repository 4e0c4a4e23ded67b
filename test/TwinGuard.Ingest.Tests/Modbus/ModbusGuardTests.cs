using System.Net;
using System.Net.Sockets;
using TwinGuard.Ingest.Modbus;
using TwinGuard.Testing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Modbus;

/// <summary>The guard between Debian's pymodbus client and a pymodbus PLC: what passes, what is refused, and how.</summary>
public sealed class ModbusGuardTests
{
    private static ModbusDeviceModel Device(int plcPort, bool mayWrite = true, string clientAddress = "127.0.0.1", double timeoutSeconds = 15) =>
        new("plc", "plc", "127.0.0.1", plcPort, 1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(timeoutSeconds),
            [new ModbusPoint("pump1", "speed", ModbusTable.Holding, 10, ModbusValueType.UInt16, ModbusWordOrder.HighFirst, 1, 0)],
            new ModbusGuardModel(
                new IPEndPoint(IPAddress.Loopback, 0), // the guard binds port 0: tests read its port back (Guard.LocalEndpoint)
                new HashSet<byte> { 1, 2, 3, 4, 5, 6, 15, 16, 23 },
                [new ModbusClientModel("hmi", IPAddress.Parse(clientAddress), mayWrite)],
                [new ModbusWritable(ModbusTable.Holding, 10, 2, 0, 3000, false, "pump1"), new ModbusWritable(ModbusTable.Coil, 0, 8, 0, 1, false, "pump1")]));

    private sealed record Site(PymodbusPlc Plc, ModbusGuard Guard, QuarantineList Quarantine, EvidenceSink Evidence, ModbusMetrics Metrics) : IAsyncDisposable
    {
        public int Port => Guard.LocalEndpoint.Port;

        public static Task<Site> StartAsync(Func<int, ModbusDeviceModel> device, params (int, int)[] holding) => StartAsync(device, TimeProvider.System, holding);

        public static async Task<Site> StartAsync(Func<int, ModbusDeviceModel> device, TimeProvider time, params (int, int)[] holding)
        {
            var plc = await PymodbusPlc.StartAsync(null, holding);
            var quarantine = new QuarantineList();
            var evidence = new EvidenceSink(new PipelineMetrics(), TimeProvider.System);
            var metrics = new ModbusMetrics();
            var guard = new ModbusGuard(device(plc.Port), quarantine, evidence, metrics, time);
            guard.Start();
            return new Site(plc, guard, quarantine, evidence, metrics);
        }

        public async ValueTask DisposeAsync()
        {
            await Guard.DisposeAsync();
            await Plc.DisposeAsync();
        }
    }

    [Fact]
    public async Task AllowedWrite_PymodbusClientThroughTheGuard_ReachesThePlcAndIsRecorded()
    {
        await using var site = await Site.StartAsync(port => Device(port), (10, 100));

        var write = await PymodbusPlc.ClientAsync(site.Port, "write_register", 10, 1500);
        var read = await PymodbusPlc.ClientAsync(site.Port, "read_holding", 10, 1);

        Assert.True(write.Ok, write.Error);
        Assert.Equal([1500], read.Registers);
        Assert.Equal((int[])[1500], (await PymodbusPlc.ClientAsync(site.Plc.Port, "read_holding", 10, 1)).Registers);
        var finding = Assert.Single(ModbusPollerTests.Drain(site.Evidence));
        Assert.Equal((ReasonCode.RegisterWrite, Severity.Info, "hmi", "pump1", "speed", 1500.0), (finding.Reason, finding.Severity, finding.DeviceId, finding.AssetId, finding.SignalId, finding.Value));
        Assert.Equal(2, site.Metrics.Forwarded);
        var activity = site.Metrics.Clients["hmi"];
        Assert.Equal((1, 1, 0), (activity.Reads, activity.Writes, activity.Refused));
    }

    [Fact]
    public async Task WriteOutsideTheAllowedRange_RefusedWithException03_PlcUnchanged()
    {
        await using var site = await Site.StartAsync(port => Device(port), (10, 100));

        var write = await PymodbusPlc.ClientAsync(site.Port, "write_register", 10, 5000);

        Assert.Equal(3, write.Exception);
        Assert.Equal((int[])[100], (await PymodbusPlc.ClientAsync(site.Plc.Port, "read_holding", 10, 1)).Registers);
        var finding = Assert.Single(ModbusPollerTests.Drain(site.Evidence));
        Assert.Equal((ReasonCode.ForbiddenValue, Severity.High, "hmi", "pump1", 5000.0), (finding.Reason, finding.Severity, finding.DeviceId, finding.AssetId, finding.Value));
        Assert.Contains("client 'hmi'", finding.Message, StringComparison.Ordinal);
        Assert.Contains("function 6 holding register 10 value 5000", finding.Message, StringComparison.Ordinal);
        Assert.Equal(0, site.Metrics.Forwarded);
    }

    [Fact]
    public async Task WriteToARegisterThatIsNotWritable_RefusedWithException02_PlcUnchanged()
    {
        await using var site = await Site.StartAsync(port => Device(port));

        var write = await PymodbusPlc.ClientAsync(site.Port, "write_registers", 11, 5, 6); // 11 is writable, 12 is not

        Assert.Equal(2, write.Exception);
        Assert.Equal((int[])[0, 0], (await PymodbusPlc.ClientAsync(site.Plc.Port, "read_holding", 11, 2)).Registers);
        var finding = Assert.Single(ModbusPollerTests.Drain(site.Evidence));
        Assert.Equal(ReasonCode.ForbiddenWrite, finding.Reason);
        Assert.Contains("function 16 holding register 12 value 6", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteFromAReadOnlyClient_RefusedWithException01()
    {
        await using var site = await Site.StartAsync(port => Device(port, mayWrite: false));

        var write = await PymodbusPlc.ClientAsync(site.Port, "write_coil", 0, 1);
        var read = await PymodbusPlc.ClientAsync(site.Port, "read_holding", 0, 2);

        Assert.Equal(1, write.Exception);
        Assert.True(read.Ok, read.Error); // reading is still allowed
        Assert.Equal(ReasonCode.ForbiddenWrite, Assert.Single(ModbusPollerTests.Drain(site.Evidence)).Reason);
    }

    [Fact]
    public async Task QuarantinedClient_EveryRequestRefusedWithException01_UntilReleased()
    {
        await using var site = await Site.StartAsync(port => Device(port), (10, 100));
        site.Quarantine.AddDevice("hmi");

        var read = await PymodbusPlc.ClientAsync(site.Port, "read_holding", 10, 1);
        var write = await PymodbusPlc.ClientAsync(site.Port, "write_register", 10, 200);

        Assert.Equal((1, 1), (read.Exception, write.Exception));
        Assert.Equal((int[])[100], (await PymodbusPlc.ClientAsync(site.Plc.Port, "read_holding", 10, 1)).Registers);
        Assert.All(ModbusPollerTests.Drain(site.Evidence), f => Assert.Equal((ReasonCode.Quarantined, "hmi"), (f.Reason, f.DeviceId)));
        site.Quarantine.ReleaseDevice("hmi");
        Assert.Equal((int[])[100], (await PymodbusPlc.ClientAsync(site.Port, "read_holding", 10, 1)).Registers);
    }

    [Fact]
    public async Task UnknownClientAddress_ClosedAtAccept()
    {
        await using var site = await Site.StartAsync(port => Device(port, clientAddress: "10.9.9.9"));

        var read = await PymodbusPlc.ClientAsync(site.Port, "read_holding", 0, 1);

        Assert.False(read.Ok);
        Assert.Null(read.Exception); // no answer at all: the connection was closed before a byte was read
        var finding = Assert.Single(ModbusPollerTests.Drain(site.Evidence));
        Assert.Equal((ReasonCode.UnknownSource, "modbus-client:127.0.0.1", "127.0.0.0/24"), (finding.Reason, finding.DeviceId, finding.SourceBlock));
    }

    [Fact]
    public async Task IdleUnlistedSockets_ThousandOfThem_TheListedHmiIsAlwaysServed()
    {
        // The HMI is listed as 127.0.0.1; the attacker holds 1,000 sockets from other loopback addresses.
        await using var site = await Site.StartAsync(port => Device(port), (10, 42));
        var idle = new List<Socket>();
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.{2 + (i / 250)}.{1 + (i % 250)}"), 0));
                idle.Add(socket);
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, site.Port);
                }
                catch (SocketException)
                {
                    // reset at accept before the connect completed: refused, as it should be
                }
            }

            for (var request = 0; request < 20; request++)
            {
                Assert.Equal((int[])[42], (await PymodbusPlc.ClientAsync(site.Port, "read_holding", 10, 1)).Registers);
            }

            Assert.Equal(1000, site.Metrics.ConnectionsRefused);
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task ListedClient_MoreSocketsThanItsShare_AreRefusedAndIdleOnesClosed()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var site = await Site.StartAsync(port => Device(port), time, (10, 42));
        var held = new List<Socket>();
        try
        {
            for (var i = 0; i < ModbusGuard.MaxConnectionsPerAddress + 3; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                held.Add(socket);
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, site.Port);
                }
                catch (SocketException)
                {
                    // reset at accept before the connect completed: one over the cap
                }
            }

            await Eventually.HoldsAsync(() => site.Metrics.ConnectionsRefused, n => n == 3, TimeSpan.FromSeconds(10), "three refused over the per-address cap");
            await Eventually.HoldsAsync(() => site.Metrics.Connections, n => n == ModbusGuard.MaxConnectionsPerAddress, TimeSpan.FromSeconds(10), "the cap's worth accepted");

            // Each probe moves the clock past the idle timeout, also for a connection whose read began after the last move.
            await Eventually.HoldsAsync(
                () => { time.Advance(ModbusGuard.IdleTimeout); return site.Metrics.IdleClosed; }, n => n == ModbusGuard.MaxConnectionsPerAddress, TimeSpan.FromSeconds(10), "the idle ones closed");
            Assert.Equal((int[])[42], (await PymodbusPlc.ClientAsync(site.Port, "read_holding", 10, 1)).Registers);
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task MalformedFrames_RefusedOrClosed_WithoutDisturbingAnotherClient()
    {
        await using var site = await Site.StartAsync(port => Device(port), (10, 42));
        await using var good = new ModbusTcpClient("127.0.0.1", site.Port, 1, ModbusClientOptions.Default with { Timeout = TimeSpan.FromSeconds(15) }, TimeProvider.System);
        using var bad = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await bad.ConnectAsync(IPAddress.Loopback, site.Port);
        Assert.Equal((ushort[])[42], await good.ReadHoldingRegistersAsync(10, 1));

        // Unit 0xFF means "this device" on TCP (Implementation Guide v1.0b §3.1.3, unit identifier): forwarded.
        Assert.Equal((byte[])[0x03, 0x02, 0, 42], await ExchangeAsync(bad, [0, 9, 0, 0, 0, 6, 0xFF, 0x03, 0, 10, 0, 1]));

        // Unknown function code 0x5A, then diagnostics (8): exception 01.
        Assert.Equal((byte[])[0xDA, 0x01], await ExchangeAsync(bad, [0, 1, 0, 0, 0, 3, 1, 0x5A, 0x00]));
        Assert.Equal((byte[])[0x88, 0x01], await ExchangeAsync(bad, [0, 2, 0, 0, 0, 6, 1, 0x08, 0, 0, 0, 0]));
        Assert.Equal((ushort[])[42], await good.ReadHoldingRegistersAsync(10, 1));

        // Wrong length: the MBAP length announces 7 PDU bytes for a 5-byte read; the frame is whole, so it is answered: 03.
        Assert.Equal((byte[])[0x83, 0x03], await ExchangeAsync(bad, [0, 3, 0, 0, 0, 8, 1, 0x03, 0, 10, 0, 1, 0xAA, 0xBB]));
        // Short PDU: a write single register without its value: 03.
        Assert.Equal((byte[])[0x86, 0x03], await ExchangeAsync(bad, [0, 4, 0, 0, 0, 4, 1, 0x06, 0, 10]));
        Assert.Equal((ushort[])[42], await good.ReadHoldingRegistersAsync(10, 1));

        // Short frame: a length that leaves no room for a function code; framing is lost, so the connection is closed.
        await bad.SendAsync(new byte[] { 0, 5, 0, 0, 0, 1, 1 });
        Assert.Equal(0, await bad.ReceiveAsync(new byte[16]).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal((ushort[])[42], await good.ReadHoldingRegistersAsync(10, 1));

        Assert.Equal((int[])[42], (await PymodbusPlc.ClientAsync(site.Plc.Port, "read_holding", 10, 1)).Registers);
        var reasons = ModbusPollerTests.Drain(site.Evidence).Select(f => f.Reason).ToList();
        Assert.Equal([ReasonCode.ForbiddenFunction, ReasonCode.ForbiddenFunction, ReasonCode.MalformedFrame, ReasonCode.MalformedFrame, ReasonCode.MalformedFrame], reasons);
        Assert.Equal((1, 4), (site.Metrics.MalformedFrames, site.Metrics.Refused));
        Assert.Equal(1, good.Connections);
    }

    [Fact]
    public async Task FrameLongerThanSent_ConnectionClosedAfterTheTimeout_OtherUnitIdsRefusedWith0A()
    {
        await using var site = await Site.StartAsync(port => Device(port, timeoutSeconds: 0.3), (10, 42));
        using var bad = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await bad.ConnectAsync(IPAddress.Loopback, site.Port);

        // Unit 7 is not the guarded unit: 0A gateway path unavailable (the PLC is not asked).
        Assert.Equal((byte[])[0x83, 0x0A], await ExchangeAsync(bad, [0, 1, 0, 0, 0, 6, 7, 0x03, 0, 10, 0, 1]));

        // The header announces 5 PDU bytes; only 2 come. The guard must not wait for ever, nor take the next frame's bytes.
        await bad.SendAsync(new byte[] { 0, 3, 0, 0, 0, 6, 1, 0x03, 0 });
        Assert.Equal(0, await bad.ReceiveAsync(new byte[16]).WaitAsync(TimeSpan.FromSeconds(10)));

        var findings = ModbusPollerTests.Drain(site.Evidence);
        Assert.Equal([ReasonCode.MalformedFrame, ReasonCode.MalformedFrame], findings.Select(f => f.Reason));
        Assert.Contains("did not arrive within 300 ms", findings[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlcDown_AllowedRequestAnsweredWithException0B_AndOneFinding()
    {
        // A port held but not listening: connections to it are refused, and no other process can take it meanwhile.
        using var down = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        down.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var site = await Site.StartAsync(_ => Device(((IPEndPoint)down.LocalEndPoint!).Port));

        var first = await PymodbusPlc.ClientAsync(site.Port, "read_holding", 0, 1);
        var second = await PymodbusPlc.ClientAsync(site.Port, "read_holding", 0, 1);

        Assert.Equal((0x0B, 0x0B), (first.Exception, second.Exception));
        Assert.Equal(ReasonCode.DeviceUnreachable, Assert.Single(ModbusPollerTests.Drain(site.Evidence)).Reason);
        Assert.Equal(2, site.Metrics.UpstreamFailures);
    }

    [Fact]
    public async Task Poller_SetpointChangedBehindTheGuardsBack_RaisesUnexpectedWrite_ButNotForWritesThroughIt()
    {
        var parsed = PlantModelLoader.Parse(ModbusPlantModelTests.Base);
        var plant = new PlantModel(parsed.Site, parsed.Validation, parsed.Detection, parsed.Correlation, parsed.Assets,
            [new DeviceModel("plc", "plc", PasswordHash.Create("x", 1000), ["plant/pump1"])], []); // the PLC as the gate knows it
        var writes = new ModbusWriteLog();
        await using var plc = await PymodbusPlc.StartAsync(null, (10, 100));
        var device = Device(plc.Port);
        var evidence = new EvidenceSink(new PipelineMetrics(), TimeProvider.System);
        var gate = new ReadingGate(plant, new QuarantineList(), new FloodGuard(plant, TimeProvider.System), evidence, new RecordingInbox());
        var metrics = new ModbusMetrics();
        await using var guard = new ModbusGuard(device, new QuarantineList(), evidence, metrics, TimeProvider.System, writes);
        guard.Start();
        await using var poller = new ModbusPoller(device, gate, evidence, metrics, TimeProvider.System, writes);

        Assert.True(await poller.PollOnceAsync(CancellationToken.None));
        Assert.True((await PymodbusPlc.ClientAsync(guard.LocalEndpoint.Port, "write_register", 10, 1500)).Ok);
        Assert.True(await poller.PollOnceAsync(CancellationToken.None));
        Assert.DoesNotContain(ModbusPollerTests.Drain(evidence), f => f.Reason == ReasonCode.UnexpectedWrite);

        Assert.True((await PymodbusPlc.ClientAsync(plc.Port, "write_register", 10, 2900)).Ok); // straight to the PLC
        Assert.True(await poller.PollOnceAsync(CancellationToken.None));

        var finding = Assert.Single(ModbusPollerTests.Drain(evidence), f => f.Reason == ReasonCode.UnexpectedWrite);
        Assert.Equal(("pump1", "speed", "plc", 2900.0), (finding.AssetId, finding.SignalId, finding.DeviceId, finding.Value));
        Assert.Contains("changed from 1500 to 2900", finding.Message, StringComparison.Ordinal);
    }

    /// <summary>Sends one raw frame and returns the response PDU, after checking the response echoes the transaction id.</summary>
    private static async Task<byte[]> ExchangeAsync(Socket socket, byte[] frame)
    {
        await socket.SendAsync(frame);
        var header = await ReceiveAsync(socket, 7);
        Assert.Equal((frame[0], frame[1], (byte)0, (byte)0, frame[6]), (header[0], header[1], header[2], header[3], header[6]));
        return await ReceiveAsync(socket, header[5] - 1);
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var got = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (got < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(got), timeout.Token);
            Assert.NotEqual(0, n);
            got += n;
        }

        return buffer;
    }
}

using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ingest.Modbus;

namespace TwinGuard.Ingest.Tests.Modbus;

public sealed class ModbusTcpClientTests
{
    // Generous: the machine running the tests may be busy; timeouts themselves are tested with a fake clock.
    private static readonly ModbusClientOptions Patient = ModbusClientOptions.Default with { Timeout = TimeSpan.FromSeconds(15) };

    [Fact]
    public async Task EveryFunction_AgainstPymodbus_ReadsWhatWasWritten()
    {
        await using var plc = await PymodbusPlc.StartAsync(null, (10, 7));
        await using var client = new ModbusTcpClient("127.0.0.1", plc.Port, 1, Patient, TimeProvider.System);

        Assert.Equal((ushort[])[0, 7, 0], await client.ReadHoldingRegistersAsync(9, 3));
        Assert.Equal((ushort[])[5, 6], await client.ReadInputRegistersAsync(5, 2));
        Assert.Equal((bool[])[false, true, false, true], await client.ReadDiscreteInputsAsync(0, 4));
        await client.WriteSingleRegisterAsync(20, 1234);
        await client.WriteMultipleRegistersAsync(21, [1, 2, 3]);
        await client.WriteSingleCoilAsync(3, true);
        await client.WriteMultipleCoilsAsync(8, [true, false, true, true, false, false, false, false, true]);
        Assert.Equal((ushort[])[1234, 1, 2, 3], await client.ReadHoldingRegistersAsync(20, 4));
        var coils = await client.ReadCoilsAsync(0, 17);
        Assert.Equal([false, false, false, true, false, false, false, false, true, false, true, true, false, false, false, false, true], coils);
        Assert.Equal((ushort[])[1234, 1], await client.ReadWriteMultipleRegistersAsync(20, 2, 30, [99]));
        Assert.Equal((ushort[])[99], await client.ReadHoldingRegistersAsync(30, 1));
        Assert.Equal(1, client.Connections);
    }

    [Fact]
    public async Task Read_BeyondTheDeviceMemory_ThrowsTheServerException()
    {
        await using var plc = await PymodbusPlc.StartAsync();
        await using var client = new ModbusTcpClient("127.0.0.1", plc.Port, 1, Patient, TimeProvider.System);

        var error = await Assert.ThrowsAsync<ModbusServerException>(() => client.ReadHoldingRegistersAsync(199, 5));

        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, error.Code);
        Assert.True(client.IsConnected); // an exception response is an answer: the connection stays
        Assert.Equal((ushort[])[0], await client.ReadHoldingRegistersAsync(0, 1));
    }

    [Fact]
    public async Task Read_ServerSilent_TimesOutThenBacksOffThenReconnects()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var time = new FakeTimeProvider();
        var options = new ModbusClientOptions(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        await using var client = new ModbusTcpClient("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, 1, options, time);

        var read = client.ReadHoldingRegistersAsync(0, 1);
        using (var silent = await listener.AcceptSocketAsync())
        {
            await ReceiveRequestAsync(silent);
            time.Advance(TimeSpan.FromSeconds(1));
            await Assert.ThrowsAsync<ModbusTimeoutException>(() => read);
        }

        Assert.False(client.IsConnected);
        var refused = await Assert.ThrowsAsync<ModbusUnavailableException>(() => client.ReadHoldingRegistersAsync(0, 1));
        Assert.Contains("backing off", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, client.Connections);

        time.Advance(TimeSpan.FromMilliseconds(100));
        var retry = client.ReadHoldingRegistersAsync(0, 1);
        using var answering = await listener.AcceptSocketAsync();
        var request = await ReceiveRequestAsync(answering);
        await answering.SendAsync(new byte[] { request[0], request[1], 0, 0, 0, 5, 1, 3, 2, 0x12, 0x34 });
        Assert.Equal((ushort[])[0x1234], await retry);
        Assert.Equal(2, client.Connections);
    }

    [Theory]
    [InlineData("transaction", "transaction id")]
    [InlineData("protocol", "protocol id 1")]
    [InlineData("unit", "unit id 2")]
    [InlineData("function", "does not echo")]
    [InlineData("bytecount", "byte count 4")]
    [InlineData("length", "above the 253-byte maximum")]
    public async Task Read_InvalidResponse_ThrowsProtocolExceptionAndCloses(string fault, string expected)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var client = new ModbusTcpClient("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, 1, Patient, TimeProvider.System);

        var read = client.ReadHoldingRegistersAsync(0, 1);
        using var server = await listener.AcceptSocketAsync();
        var request = await ReceiveRequestAsync(server);
        byte[] response = [request[0], request[1], 0, 0, 0, 5, 1, 3, 2, 0, 1];
        switch (fault)
        {
            case "transaction": response[1]++; break;
            case "protocol": response[3] = 1; break;
            case "unit": response[6] = 2; break;
            case "function": response[7] = 4; break;
            case "bytecount": response[8] = 4; break;
            case "length": response[4] = 1; break;
        }

        await server.SendAsync(response);
        var error = await Assert.ThrowsAsync<ModbusProtocolException>(() => read);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
    }

    private static async Task<byte[]> ReceiveRequestAsync(Socket socket)
    {
        var buffer = new byte[12]; // MBAP 7 + read request PDU 5
        var got = 0;
        while (got < buffer.Length)
        {
            got += await socket.ReceiveAsync(buffer.AsMemory(got));
        }

        return buffer;
    }
}

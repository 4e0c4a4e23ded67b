using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TwinGuard.Ingest.Listening;

namespace TwinGuard.Ingest.Tests.Listening;

/// <summary>The read-ahead buffer under MQTTnet's small packet reads, over a real loopback TCP connection.</summary>
public sealed class ReadAheadStreamTests : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Socket _client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private Socket? _server;

    public void Dispose()
    {
        _server?.Dispose();
        _client.Dispose();
        _listener.Dispose();
    }

    [Fact]
    public async Task ReadAsync_PacketsAlreadyArrived_ServedFromOneSocketRead()
    {
        using var stream = new ReadAheadStream(new NetworkStream(await ConnectAsync(), ownsSocket: false));
        var packets = Enumerable.Range(0, 10).SelectMany(i => new byte[] { 0x30, 3, (byte)i, 1, 2 }).ToArray();
        await SendAllAndWaitAsync(packets);

        // As MQTTnet reads: the fixed header's two bytes, then the body its length names.
        var received = new List<byte>();
        var header = new byte[2];
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(2, await stream.ReadAsync(header));
            Assert.Equal(0, _server!.Available); // the first read took every packet off the socket
            var body = new byte[header[1]];
            Assert.Equal(body.Length, await stream.ReadAsync(body));
            received.AddRange(header);
            received.AddRange(body);
        }

        Assert.Equal(packets, received);
    }

    [Fact]
    public async Task ReadAsync_AfterCut_EndsTheStreamThoughBytesWereReadAhead()
    {
        using var stream = new ReadAheadStream(new NetworkStream(await ConnectAsync(), ownsSocket: false));
        await SendAllAndWaitAsync([0x30, 3, 0, 1, 2, 0x30, 3, 1, 1, 2]);
        var first = new byte[5];
        Assert.Equal(5, await stream.ReadAsync(first)); // the second packet is now in the buffer

        stream.Cut();

        Assert.Equal(0, await stream.ReadAsync(new byte[5]));
    }

    [Fact]
    public async Task WriteAsync_GoesOutWithoutAFlush()
    {
        using var stream = new ReadAheadStream(new NetworkStream(await ConnectAsync(), ownsSocket: false));

        await stream.WriteAsync(new byte[] { 0x20, 2, 0, 0 }); // a CONNACK: MQTTnet never flushes

        var received = new byte[4];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(4, await _client.ReceiveAsync(received, SocketFlags.None, timeout.Token));
        Assert.Equal(new byte[] { 0x20, 2, 0, 0 }, received);
    }

    private async Task<Socket> ConnectAsync()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        var accepting = _listener.AcceptAsync();
        await _client.ConnectAsync(_listener.LocalEndPoint!);
        return _server = await accepting;
    }

    /// <summary>Sends <paramref name="bytes"/> and waits until they are all in the server's receive buffer.</summary>
    private async Task SendAllAndWaitAsync(byte[] bytes)
    {
        await _client.SendAsync(bytes, SocketFlags.None);
        var waited = Stopwatch.StartNew();
        while (_server!.Available < bytes.Length)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "the bytes sent never arrived");
            await Task.Delay(1);
        }
    }
}

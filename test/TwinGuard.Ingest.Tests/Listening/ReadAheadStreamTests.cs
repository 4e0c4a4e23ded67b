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
    public async Task ReadAsync_ArrayOverload_ReusesTheTaskOfAnEqualCountOnlyAndReadsEveryByte()
    {
        using var stream = new ReadAheadStream(new NetworkStream(await ConnectAsync(), ownsSocket: false));
        byte[] lengths = [20, 20, 33, 20, 20];
        var packets = lengths.SelectMany((length, i) => new byte[] { 0x30, length }.Concat(Enumerable.Repeat((byte)i, length))).ToArray();
        await SendAllAndWaitAsync(packets);

        // As MQTTnet reads, through the overload it calls: header, then body.
        var received = new List<byte>();
        var tasks = new List<Task<int>>();
        var header = new byte[2];
        var body = new byte[64];
        foreach (var length in lengths)
        {
            Assert.Equal(2, await stream.ReadAsync(header, 0, 2, CancellationToken.None));
            var reading = stream.ReadAsync(body, 0, header[1], CancellationToken.None);
            Assert.Equal(length, await reading);
            tasks.Add(reading);
            received.AddRange(header);
            received.AddRange(body.Take(length));
        }

        Assert.Equal(packets, received);
        Assert.Same(tasks[0], tasks[1]); // a body of the same length: no new task per message
        Assert.NotSame(tasks[1], tasks[2]);
        Assert.Same(tasks[3], tasks[4]);
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
    public async Task Batch_LanesDeferredWhileBytesBuffered_RunBeforeTheReadThatGoesToTheSocket()
    {
        using var stream = new ReadAheadStream(new NetworkStream(await ConnectAsync(), ownsSocket: false));
        await SendAllAndWaitAsync([0x30, 3, 0, 1, 2, 0x30, 3, 1, 1, 2]);
        var runs = 0;
        Action lane = () => runs++;

        Assert.Equal(5, await stream.ReadAsync(new byte[5]));
        Assert.True(stream.Batch.TryDefer(lane)); // the second packet is buffered: the lane waits for it
        Assert.Equal(5, await stream.ReadAsync(new byte[5]));
        Assert.False(stream.Batch.TryDefer(lane)); // the last one read: its caller runs the batch and its lane now
        Assert.Equal(0, runs);
        stream.Batch.Flush();
        Assert.Equal(1, runs);

        // A packet split across reads: the lane deferred on its first part runs before the read waits for the rest.
        await SendAllAndWaitAsync([0x30, 3, 2, 1, 2, 0x30, 3]);
        Assert.Equal(5, await stream.ReadAsync(new byte[5]));
        Assert.True(stream.Batch.TryDefer(lane));
        Assert.Equal(2, await stream.ReadAsync(new byte[2]));
        Assert.Equal(1, runs);
        var rest = stream.ReadAsync(new byte[3]);
        Assert.Equal(2, runs);
        await _client.SendAsync(new byte[] { 3, 1, 2 }, SocketFlags.None);
        Assert.Equal(3, await rest.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task Batch_ConnectionCut_RunsWhatWasLetThroughAndDropsWhatWasOnlyBuffered()
    {
        using var stream = new ReadAheadStream(new NetworkStream(await ConnectAsync(), ownsSocket: false));
        await SendAllAndWaitAsync([0x30, 3, 0, 1, 2, 0x30, 3, 1, 1, 2, 0x30, 3, 2, 1, 2]);
        var runs = 0;
        Assert.Equal(5, await stream.ReadAsync(new byte[5]));
        Assert.True(stream.Batch.TryDefer(() => runs++));

        stream.Cut(); // containment: the two packets still buffered never reach the broker

        Assert.Equal(0, await stream.ReadAsync(new byte[5]));
        Assert.Equal(1, runs); // the packet the gate had let through before the cut is not lost
        Assert.Equal(0, stream.Batch.Deferred);
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

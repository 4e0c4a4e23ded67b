using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace TwinGuard.Benchmarks;

/// <summary>
/// A loopback TCP proxy that holds every chunk it relays for a fixed time in each direction, so that a round trip
/// through it takes twice that: a WAN link's latency without touching the machine's network (no netem on a shared lo).
/// </summary>
/// <remarks>Bandwidth is not limited and chunks keep their order: each direction is one reader and one writer joined
/// by a queue of (due time, bytes).</remarks>
internal sealed class DelayingTcpProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _upstreamPort;
    private readonly TimeSpan _delay;

    public DelayingTcpProxy(int upstreamPort, TimeSpan delay)
    {
        _upstreamPort = upstreamPort;
        _delay = delay;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                client.NoDelay = true;
                var upstream = new TcpClient { NoDelay = true };
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
                _ = RelayAsync(client, upstream);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient upstream)
    {
        using (client)
        using (upstream)
        {
            // Either side closing ends both directions: the far side sees the connection break, as with a real link.
            await Task.WhenAny(PumpAsync(client.GetStream(), upstream.GetStream()), PumpAsync(upstream.GetStream(), client.GetStream()));
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        var queue = Channel.CreateUnbounded<(long Due, byte[] Bytes)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writing = Task.Run(async () =>
        {
            await foreach (var (due, bytes) in queue.Reader.ReadAllAsync(_stop.Token))
            {
                var wait = TimeSpan.FromTicks(due - Environment.TickCount64 * TimeSpan.TicksPerMillisecond);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _stop.Token);
                }

                await to.WriteAsync(bytes, _stop.Token);
            }
        });
        try
        {
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                queue.Writer.TryWrite(((Environment.TickCount64 * TimeSpan.TicksPerMillisecond) + _delay.Ticks, buffer[..read]));
            }

            queue.Writer.TryComplete();
            await writing;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            queue.Writer.TryComplete();
        }
    }
}

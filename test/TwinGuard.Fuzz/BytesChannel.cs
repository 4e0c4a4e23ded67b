using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace TwinGuard.Fuzz;

/// <summary>A client's bytes as the socket would deliver them, in chunks whose sizes the input itself chooses.</summary>
internal sealed class BytesChannel(byte[] data) : IMqttChannel
{
    private int _offset;

    public X509Certificate2 ClientCertificate => null!;

    public EndPoint RemoteEndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 50000);

    public EndPoint LocalEndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 1883);

    public bool IsSecureConnection => false;

    public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_offset >= data.Length)
        {
            return Task.FromResult(0);
        }

        // The first byte of what is left picks the chunk size (1..64), so the fuzzer explores split headers too.
        var chunk = Math.Min(Math.Min(count, data.Length - _offset), 1 + (data[_offset] % 64));
        Array.Copy(data, _offset, buffer, offset, chunk);
        _offset += chunk;
        return Task.FromResult(chunk);
    }

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}

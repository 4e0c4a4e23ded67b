using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using MQTTnet.Implementations;

namespace TwinGuard.Ingest.Listening;

/// <summary>
/// MQTTnet's TCP channel over a connection's stream, with its reads passed to the stream directly: MQTTnet's own
/// <c>ReadAsync</c> is an async method, whose result is a new <see cref="Task{TResult}"/> for every packet body it reads.
/// </summary>
/// <remarks>
/// Reads end as <see cref="MqttTcpChannel"/>'s do: a disposed stream reads as closed (0), an I/O error caused by the
/// socket surfaces as that <see cref="SocketException"/> (which MQTTnet's adapter takes for a closed connection).
/// Everything else (writes, disconnect, the endpoints and certificate) is MQTTnet's channel's.
/// </remarks>
internal sealed class DirectReadChannel(Stream stream, EndPoint? localEndPoint, EndPoint? remoteEndPoint, X509Certificate2? clientCertificate) : IMqttChannel
{
    private readonly MqttTcpChannel _inner = new(stream, localEndPoint, remoteEndPoint, clientCertificate);

    public X509Certificate2? ClientCertificate => _inner.ClientCertificate;

    public EndPoint? RemoteEndPoint => _inner.RemoteEndPoint;

    public EndPoint? LocalEndPoint => _inner.LocalEndPoint;

    public bool IsSecureConnection => _inner.IsSecureConnection;

    public Task ConnectAsync(CancellationToken cancellationToken) => _inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => _inner.DisconnectAsync(cancellationToken);

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, isEndOfPacket, cancellationToken);

    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Task<int> reading;
        try
        {
            reading = stream.ReadAsync(buffer, offset, count, cancellationToken);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or IOException)
        {
            reading = Task.FromException<int>(ex);
        }

        return reading.IsCompletedSuccessfully ? reading : EndedAsClosedAsync(reading);
    }

    public void Dispose() => _inner.Dispose();

    private static async Task<int> EndedAsClosedAsync(Task<int> reading)
    {
        try
        {
            return await reading.ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return 0; // closed gracefully, as far as MQTTnet is concerned
        }
        catch (IOException ex) when (ex.InnerException is SocketException socket)
        {
            ExceptionDispatchInfo.Capture(socket).Throw();
            throw;
        }
    }
}

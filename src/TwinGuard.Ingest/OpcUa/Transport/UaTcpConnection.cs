using System.Buffers;
using System.Net.Sockets;
using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.Transport;

/// <summary>A UA TCP connection: the Hello/Acknowledge handshake, then whole chunks in and out (OPC 10000-6 §7.1).</summary>
/// <remarks>
/// A received chunk is read only after its header's size has been checked against the receive buffer size this side
/// announced; a peer can make the connection hold at most one chunk of that size. Writes are serialised.
/// </remarks>
public sealed class UaTcpConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _header = new byte[UaTcpHeader.Size];

    private UaTcpConnection(TcpClient tcp, TransportLimits local, TransportLimits negotiated)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Local = local;
        Negotiated = negotiated;
    }

    /// <summary>What this side announced in its Hello.</summary>
    public TransportLimits Local { get; }

    /// <summary>
    /// What the server acknowledged: its receive buffer (the largest chunk this side may send), the largest message and
    /// chunk count it accepts.
    /// </summary>
    public TransportLimits Negotiated { get; private set; }

    /// <summary>Connects to <paramref name="url"/> (opc.tcp://host:port/path) and performs the Hello/Acknowledge handshake.</summary>
    /// <exception cref="OpcUaException">The server answered with an Error message or broke the protocol.</exception>
    /// <exception cref="SocketException">The connection failed.</exception>
    public static async Task<UaTcpConnection> ConnectAsync(OpcUaEndpointUrl url, TransportLimits limits, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(url.Host, url.Port, cancellationToken);
            var stream = tcp.GetStream();

            // §7.1.2.3 Hello: ProtocolVersion 0, ReceiveBufferSize, SendBufferSize, MaxMessageSize, MaxChunkCount, EndpointUrl.
            var hello = new ArrayBufferWriter<byte>(128);
            var writer = new UaBinaryWriter(hello);
            writer.WriteBytes(new byte[UaTcpHeader.Size]);
            writer.WriteUInt32(0);
            writer.WriteUInt32(limits.ReceiveBufferSize);
            writer.WriteUInt32(limits.SendBufferSize);
            writer.WriteUInt32(limits.MaxMessageSize);
            writer.WriteUInt32(limits.MaxChunkCount);
            writer.WriteString(url.Text);
            UaTcpHeader.Write(writer.WrittenSpan(0, UaTcpHeader.Size), UaTcpMessageType.Hello, (byte)'F', hello.WrittenCount);
            await stream.WriteAsync(hello.WrittenMemory, cancellationToken);

            var connection = new UaTcpConnection(tcp, limits, limits);
            var reply = await connection.ReadChunkAsync(cancellationToken);
            if (reply.Type == UaTcpMessageType.Error)
            {
                throw ErrorMessage(reply.Body.Span, "the server refused the Hello");
            }

            if (reply.Type != UaTcpMessageType.Acknowledge)
            {
                throw new OpcUaException(StatusCodes.BadTcpMessageTypeInvalid, $"expected Acknowledge after Hello, received {reply.Type}");
            }

            connection.Negotiated = ParseAcknowledge(reply.Body.Span, limits);
            return connection;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    // §7.1.2.4 Acknowledge: the server's ReceiveBufferSize bounds what we send; its SendBufferSize must not exceed our
    // ReceiveBufferSize; both at least 8192.
    private static TransportLimits ParseAcknowledge(ReadOnlySpan<byte> body, TransportLimits local)
    {
        var reader = new UaBinaryReader(body);
        var version = reader.ReadUInt32();
        var receive = reader.ReadUInt32();
        var send = reader.ReadUInt32();
        var maxMessage = reader.ReadUInt32();
        var maxChunks = reader.ReadUInt32();
        reader.EnsureEnd("Acknowledge");
        if (version != 0)
        {
            // A newer server answers with the version it speaks; version 0 is the only one defined.
            throw new OpcUaException(StatusCodes.BadProtocolVersionUnsupported, $"the server speaks UA TCP protocol version {version}, not 0");
        }

        if (receive < TransportLimits.MinimumBufferSize || send < TransportLimits.MinimumBufferSize || send > local.ReceiveBufferSize)
        {
            throw new OpcUaException(StatusCodes.BadTcpInternalError,
                $"Acknowledge buffer sizes out of bounds: receive {receive}, send {send} (each at least 8192, send at most our {local.ReceiveBufferSize})");
        }

        return new TransportLimits(receive, send, maxMessage, maxChunks);
    }

    /// <summary>Parses an Error message body (§7.1.2.5: UInt32 Error, String Reason) into an exception.</summary>
    public static OpcUaException ErrorMessage(ReadOnlySpan<byte> body, string context)
    {
        try
        {
            var reader = new UaBinaryReader(body, DecodingLimits.Default with { MaxStringBytes = 4096 });
            var status = reader.ReadStatusCode();
            var reason = reader.ReadString();
            return new OpcUaException(status, $"{context}: {status}{(string.IsNullOrEmpty(reason) ? string.Empty : " (" + reason + ")")}");
        }
        catch (UaDecodingException ex)
        {
            return new OpcUaException(StatusCodes.BadTcpInternalError, $"{context}: a malformed Error message ({ex.Message})");
        }
    }

    /// <summary>Reads one whole chunk; its size is checked against <see cref="Local"/>'s receive buffer before the body is read.</summary>
    /// <exception cref="OpcUaException">The header is malformed or announces too much; the connection cannot be resynchronised.</exception>
    /// <exception cref="EndOfStreamException">The server closed the connection.</exception>
    public async Task<UaTcpChunk> ReadChunkAsync(CancellationToken cancellationToken)
    {
        await _stream.ReadExactlyAsync(_header, cancellationToken);
        var (type, chunkType, size) = UaTcpHeader.Parse(_header, Local.ReceiveBufferSize);
        var body = new byte[size - UaTcpHeader.Size];
        await _stream.ReadExactlyAsync(body, cancellationToken);
        return new UaTcpChunk(type, chunkType, body);
    }

    /// <summary>Writes whole chunks (headers included) as one write, never interleaved with another.</summary>
    public async Task WriteAsync(ReadOnlyMemory<byte> chunks, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _stream.WriteAsync(chunks, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        _writeLock.Dispose();
        return ValueTask.CompletedTask;
    }
}

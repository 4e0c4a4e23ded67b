using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.SecureChannel;
using TwinGuard.Ingest.OpcUa.Services;

namespace TwinGuard.Ingest.Tests.OpcUa;

/// <summary>
/// A hostile OPC UA server on a loopback port: it answers the client's first messages with bytes a test crafts
/// (oversized, miscounted, out of sequence), to see the client refuse them clearly.
/// </summary>
internal sealed class RogueOpcUaServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _serving;

    public RogueOpcUaServer(Func<NetworkStream, Task> script)
    {
        _listener.Start();
        _serving = Task.Run(async () =>
        {
            using var client = await _listener.AcceptTcpClientAsync();
            using var stream = client.GetStream();
            try
            {
                await script(stream);
                // Hold the connection until the client gives up, so that the client's verdict is about the bytes.
                _ = await stream.ReadAsync(new byte[1]);
            }
            catch (IOException)
            {
                // The client closed the connection: what a client should do with a rogue server.
            }
        });
    }

    public string Url => $"opc.tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/rogue";

    /// <summary>Reads one whole chunk the client sent; returns its type and body.</summary>
    public static async Task<(string Type, byte[] Body)> ReadChunkAsync(NetworkStream stream)
    {
        var header = new byte[8];
        await stream.ReadExactlyAsync(header);
        var body = new byte[BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)) - 8];
        await stream.ReadExactlyAsync(body);
        return (System.Text.Encoding.ASCII.GetString(header, 0, 3), body);
    }

    /// <summary>The request id of an OPN request with policy None (after the channel id, policy URI, two null byte strings and the sequence number).</summary>
    public static uint OpenRequestId(byte[] body)
    {
        var policyLength = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(4));
        return BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(4 + 4 + policyLength + 4 + 4 + 4));
    }

    public static byte[] Chunk(string type, char chunkType, ReadOnlySpan<byte> body)
    {
        var chunk = new byte[8 + body.Length];
        System.Text.Encoding.ASCII.GetBytes(type, chunk);
        chunk[3] = (byte)chunkType;
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), (uint)chunk.Length);
        body.CopyTo(chunk.AsSpan(8));
        return chunk;
    }

    public static byte[] Acknowledge(uint receive = 65535, uint send = 65535) => Chunk("ACK", 'F', Build(w =>
    {
        w.WriteUInt32(0);
        w.WriteUInt32(receive);
        w.WriteUInt32(send);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
    }));

    /// <summary>A well-formed OPN response for channel 7 / token 1, as one chunk with sequence number <paramref name="sequence"/>.</summary>
    public static byte[] OpenResponse(uint requestId, uint sequence = 1) => Chunk("OPN", 'F', Build(w =>
    {
        w.WriteUInt32(7);
        w.WriteString(SecurityPolicies.None);
        w.WriteByteString([], isNull: true);
        w.WriteByteString([], isNull: true);
        w.WriteUInt32(sequence);
        w.WriteUInt32(requestId);
        w.WriteNodeId(NodeId.Number(ServiceIds.OpenSecureChannelResponse));
        WriteResponseHeader(w);
        w.WriteUInt32(0);
        w.WriteUInt32(7);
        w.WriteUInt32(1);
        w.WriteDateTime(DateTimeOffset.UnixEpoch);
        w.WriteUInt32(600_000);
        w.WriteByteString([]);
    }));

    /// <summary>A MSG chunk on channel 7, token 1, carrying <paramref name="body"/> for <paramref name="requestId"/>.</summary>
    public static byte[] Message(char chunkType, uint sequence, uint requestId, ReadOnlySpan<byte> body)
    {
        var header = Build(w =>
        {
            w.WriteUInt32(7);
            w.WriteUInt32(1);
            w.WriteUInt32(sequence);
            w.WriteUInt32(requestId);
        });
        return Chunk("MSG", chunkType, [.. header, .. body]);
    }

    public static void WriteResponseHeader(UaBinaryWriter w)
    {
        w.WriteDateTime(DateTimeOffset.UnixEpoch);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteByte(0);
        w.WriteInt32(-1);
        w.WriteExtensionObject(NodeId.Null, null);
    }

    public static byte[] Build(Action<UaBinaryWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(new UaBinaryWriter(buffer));
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The request id of a MSG chunk the client sent.</summary>
    public static uint MessageRequestId(byte[] body) => BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(12));

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _serving.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (SocketException)
        {
            // The listener stopped before a client came.
        }

        _listener.Dispose();
    }
}

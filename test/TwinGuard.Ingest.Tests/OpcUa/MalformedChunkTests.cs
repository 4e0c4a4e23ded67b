using System.Buffers.Binary;
using TwinGuard.Ingest.OpcUa.Client;
using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.Services;
using TwinGuard.Ingest.OpcUa.Transport;

namespace TwinGuard.Ingest.Tests.OpcUa;

/// <summary>A hostile server's malformed chunks are refused with a clear OPC UA status, never a crash or a hang.</summary>
public sealed class MalformedChunkTests
{
    private static readonly OpcUaClientOptions Options = OpcUaClientOptions.Default with { RequestTimeout = TimeSpan.FromSeconds(20) };

    private static Task<OpcUaClient> ConnectAsync(RogueOpcUaServer server) =>
        OpcUaClient.ConnectAsync(OpcUaEndpointUrl.Parse(server.Url), Options, TimeProvider.System, CancellationToken.None);

    private static async Task<OpcUaException> RefusedAsync(Func<System.Net.Sockets.NetworkStream, Task> script, Func<OpcUaClient, Task>? then = null)
    {
        await using var server = new RogueOpcUaServer(script);
        return await Assert.ThrowsAnyAsync<OpcUaException>(async () =>
        {
            await using var client = await ConnectAsync(server);
            await (then ?? (_ => Task.CompletedTask))(client);
        });
    }

    [Fact]
    public async Task Connect_AcknowledgeWithBufferBelow8192_IsRefused()
    {
        var error = await RefusedAsync(async s =>
        {
            await RogueOpcUaServer.ReadChunkAsync(s);
            await s.WriteAsync(RogueOpcUaServer.Acknowledge(receive: 1024));
        });

        Assert.Contains("8192", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_ChunkAnnouncingMoreThanTheReceiveBuffer_IsRefusedBeforeReadingIt()
    {
        var error = await RefusedAsync(async s =>
        {
            await RogueOpcUaServer.ReadChunkAsync(s);
            var header = RogueOpcUaServer.Chunk("ACK", 'F', []);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 2_000_000_000);
            await s.WriteAsync(header);
        });

        Assert.Equal(StatusCodes.BadTcpMessageTooLarge, error.Status);
    }

    [Fact]
    public async Task Connect_UnknownMessageType_IsRefused()
    {
        var error = await RefusedAsync(async s =>
        {
            await RogueOpcUaServer.ReadChunkAsync(s);
            await s.WriteAsync(RogueOpcUaServer.Chunk("XYZ", 'F', new byte[20]));
        });

        Assert.Equal(StatusCodes.BadTcpMessageTypeInvalid, error.Status);
    }

    [Fact]
    public async Task Open_ResponseWithAStringLongerThanTheChunk_IsADecodingError()
    {
        var error = await RefusedAsync(async s =>
        {
            await RogueOpcUaServer.ReadChunkAsync(s);
            await s.WriteAsync(RogueOpcUaServer.Acknowledge());
            var (_, open) = await RogueOpcUaServer.ReadChunkAsync(s);
            var response = RogueOpcUaServer.OpenResponse(RogueOpcUaServer.OpenRequestId(open));
            // The policy URI's length (after the 8-byte header and the channel id) now claims 1 GB.
            BinaryPrimitives.WriteInt32LittleEndian(response.AsSpan(12), 1 << 30);
            await s.WriteAsync(response);
        });

        Assert.Equal(StatusCodes.BadDecodingError, error.Status);
    }

    private static Func<System.Net.Sockets.NetworkStream, Task> OpenThen(Func<System.Net.Sockets.NetworkStream, uint, Task> afterRequest) => async s =>
    {
        await RogueOpcUaServer.ReadChunkAsync(s);
        await s.WriteAsync(RogueOpcUaServer.Acknowledge());
        var (_, open) = await RogueOpcUaServer.ReadChunkAsync(s);
        await s.WriteAsync(RogueOpcUaServer.OpenResponse(RogueOpcUaServer.OpenRequestId(open)));
        var (_, request) = await RogueOpcUaServer.ReadChunkAsync(s);
        await afterRequest(s, RogueOpcUaServer.MessageRequestId(request));
    };

    [Fact]
    public async Task GetEndpoints_ResponseInMoreChunksThanAnnounced_IsRefused()
    {
        var error = await RefusedAsync(OpenThen(async (s, id) =>
        {
            for (uint i = 0; i < 200; i++)
            {
                await s.WriteAsync(RogueOpcUaServer.Message('C', 2 + i, id, new byte[16]));
            }
        }), c => c.GetEndpointsAsync(CancellationToken.None));

        Assert.Equal(StatusCodes.BadEncodingLimitsExceeded, error.Status);
        Assert.Contains("128 chunks", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetEndpoints_ChunkSequenceNumberSkipping_IsRefused()
    {
        var error = await RefusedAsync(OpenThen(async (s, id) =>
            await s.WriteAsync(RogueOpcUaServer.Message('F', 5, id, new byte[16]))), c => c.GetEndpointsAsync(CancellationToken.None));

        Assert.Equal(StatusCodes.BadSequenceNumberInvalid, error.Status);
    }

    [Fact]
    public async Task GetEndpoints_EndpointCountBeyondTheMessage_IsADecodingError()
    {
        var error = await RefusedAsync(OpenThen(async (s, id) =>
        {
            var body = RogueOpcUaServer.Build(w =>
            {
                w.WriteNodeId(NodeId.Number(ServiceIds.GetEndpointsResponse));
                RogueOpcUaServer.WriteResponseHeader(w);
                w.WriteInt32(50_000); // endpoints announced; none sent
            });
            await s.WriteAsync(RogueOpcUaServer.Message('F', 2, id, body));
        }), c => c.GetEndpointsAsync(CancellationToken.None));

        Assert.Equal(StatusCodes.BadDecodingError, error.Status);
        Assert.Contains("50000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetEndpoints_AbortChunk_FailsTheRequestWithTheServersReason()
    {
        var error = await RefusedAsync(OpenThen(async (s, id) =>
        {
            var abort = RogueOpcUaServer.Build(w =>
            {
                w.WriteUInt32(StatusCodes.BadTcpMessageTooLarge.Code);
                w.WriteString("too big");
            });
            await s.WriteAsync(RogueOpcUaServer.Message('A', 2, id, abort));
        }), c => c.GetEndpointsAsync(CancellationToken.None));

        Assert.Equal(StatusCodes.BadTcpMessageTooLarge, error.Status);
        Assert.Contains("too big", error.Message, StringComparison.Ordinal);
    }
}

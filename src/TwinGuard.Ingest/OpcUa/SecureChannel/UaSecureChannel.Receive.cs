using System.Net.Sockets;
using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.Transport;

namespace TwinGuard.Ingest.OpcUa.SecureChannel;

public sealed partial class UaSecureChannel
{
    /// <summary>How many chunks with a request id nobody waits for (a late response after a timeout) were dropped.</summary>
    public long DroppedChunks { get; private set; }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var chunk = await _connection.ReadChunkAsync(cancellationToken);
                Dispatch(chunk);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Closing.
        }
        catch (OpcUaException ex)
        {
            Fail(ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or EndOfStreamException)
        {
            Fail(new OpcUaException(StatusCodes.BadConnectionClosed, $"the connection to the server was lost: {ex.Message}"));
        }
    }

    /// <summary>Handles one chunk (OPC 10000-6 §6.7.2); a violation throws and ends the channel.</summary>
    internal void Dispatch(UaTcpChunk chunk)
    {
        switch (chunk.Type)
        {
            case UaTcpMessageType.Error:
                throw UaTcpConnection.ErrorMessage(chunk.Body.Span, "the server closed the secure channel");
            case UaTcpMessageType.OpenSecureChannel:
            case UaTcpMessageType.Message:
                break;
            default:
                throw new OpcUaException(StatusCodes.BadTcpMessageTypeInvalid, $"unexpected {chunk.Type} message from the server");
        }

        var reader = new UaBinaryReader(chunk.Body.Span, DecodingLimits.Default with { MaxStringBytes = 16_384 });
        var channelId = reader.ReadUInt32();
        var token = _token;
        if (token is not null && channelId != token.ChannelId)
        {
            throw new OpcUaException(StatusCodes.BadSecureChannelIdInvalid, $"a chunk for channel {channelId}, this channel is {token.ChannelId}");
        }

        if (chunk.Type == UaTcpMessageType.OpenSecureChannel)
        {
            // §6.7.2.3 asymmetric header: with policy None the server sends no certificate and no thumbprint.
            var policy = reader.ReadString();
            reader.ReadByteString();
            reader.ReadByteString();
            if (policy != SecurityPolicies.None)
            {
                throw new OpcUaException(StatusCodes.BadSecurityPolicyRejected, $"the server answered with security policy {policy}, the channel asked for None");
            }
        }
        else
        {
            var tokenId = reader.ReadUInt32();
            if (token is null || tokenId != token.TokenId && tokenId != _previousTokenId)
            {
                throw new OpcUaException(StatusCodes.BadSecureChannelTokenUnknown, $"a chunk with token id {tokenId}, which this channel was never issued");
            }
        }

        var sequence = reader.ReadUInt32();
        var requestId = reader.ReadUInt32();
        CheckSequence(sequence);
        var body = chunk.Body[reader.Position..];

        PendingRequest? pending;
        lock (_lock)
        {
            _pending.TryGetValue(requestId, out pending);
        }

        if (pending is null)
        {
            DroppedChunks++;
            return;
        }

        if (chunk.ChunkType == (byte)'A')
        {
            // §6.7.3: an abort chunk carries an error code and a reason instead of the rest of the message.
            pending.Completion.TrySetException(UaTcpConnection.ErrorMessage(body.Span, "the server aborted its response"));
            return;
        }

        try
        {
            if (pending.Add(body, chunk.ChunkType == (byte)'F') is { } message)
            {
                pending.Completion.TrySetResult(message);
            }
        }
        catch (OpcUaException ex)
        {
            pending.Completion.TrySetException(ex);
            throw;
        }
    }

    // §6.7.2.4: each chunk's sequence number is one more than the previous; it wraps to a value below 1024 only after
    // passing 4 294 966 271 (UInt32.MaxValue - 1024).
    private void CheckSequence(uint sequence)
    {
        if (_receiveSequence is { } previous)
        {
            var wraps = previous > uint.MaxValue - 1024 && sequence < 1024;
            if (sequence != previous + 1 && !wraps)
            {
                throw new OpcUaException(StatusCodes.BadSequenceNumberInvalid, $"chunk sequence number {sequence} does not follow {previous}");
            }
        }

        _receiveSequence = sequence;
    }
}

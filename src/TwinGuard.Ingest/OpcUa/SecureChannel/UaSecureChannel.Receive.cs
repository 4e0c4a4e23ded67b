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

        byte[]? opened = null;
        if (chunk.Type == UaTcpMessageType.OpenSecureChannel)
        {
            // §6.7.2.3 asymmetric header: the server's policy, its certificate and our certificate's thumbprint.
            var policy = reader.ReadString();
            var sender = reader.ReadByteString();
            var receiver = reader.ReadByteString();
            if (policy != PolicyUri)
            {
                throw new OpcUaException(StatusCodes.BadSecurityPolicyRejected, $"the server answered with security policy {policy}, the channel asked for {SecurityPolicies.ShortName(PolicyUri)}");
            }

            if (_crypto is not null)
            {
                if (sender is null || !sender.AsSpan().SequenceEqual(_crypto.ServerCertificateDer))
                {
                    throw new OpcUaException(StatusCodes.BadCertificateInvalid, "the server signed its OpenSecureChannel response with another certificate than its endpoint's");
                }

                if (receiver is null || !receiver.AsSpan().SequenceEqual(_crypto.ClientThumbprint))
                {
                    throw new OpcUaException(StatusCodes.BadCertificateInvalid, "the server's OpenSecureChannel response names another client certificate");
                }

                opened = _crypto.UnprotectAsymmetric(WholeChunk(chunk), UaTcpHeader.Size + reader.Position);
            }
        }
        else
        {
            var tokenId = reader.ReadUInt32();
            if (token is null || tokenId != token.TokenId && tokenId != _previousTokenId)
            {
                throw new OpcUaException(StatusCodes.BadSecureChannelTokenUnknown, $"a chunk with token id {tokenId}, which this channel was never issued");
            }

            if (_crypto is not null)
            {
                opened = _crypto.UnprotectSymmetric(tokenId, WholeChunk(chunk), UaTcpHeader.Size + reader.Position);
            }
        }

        if (opened is not null)
        {
            // From here on, read what was decrypted and verified.
            chunk = chunk with { Body = opened };
            reader = new UaBinaryReader(opened);
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

    // The signature covers the 8-byte message header as received: rebuilt from the chunk's fields.
    private static byte[] WholeChunk(UaTcpChunk chunk)
    {
        var whole = new byte[UaTcpHeader.Size + chunk.Body.Length];
        UaTcpHeader.Write(whole, chunk.Type, chunk.ChunkType, whole.Length);
        chunk.Body.Span.CopyTo(whole.AsSpan(UaTcpHeader.Size));
        return whole;
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

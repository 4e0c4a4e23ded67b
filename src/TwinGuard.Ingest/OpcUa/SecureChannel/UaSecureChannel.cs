using System.Buffers;
using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.Services;
using TwinGuard.Ingest.OpcUa.Transport;

namespace TwinGuard.Ingest.OpcUa.SecureChannel;

/// <summary>
/// A secure channel over one UA TCP connection (OPC 10000-6 §6.7): opens it with OpenSecureChannel, renews the token at
/// 75 % of its lifetime, sends requests as MSG chunks and matches responses by request id, and closes it with
/// CloseSecureChannel.
/// </summary>
/// <remarks>
/// Security policy None (§6.7.2.3: no signature, no encryption, null certificate and thumbprint). One receive loop reads
/// every chunk; a response spread over several chunks is reassembled only for a request that is waiting, within the
/// negotiated message size and chunk count. Any protocol violation (unknown channel or token id, a sequence number that
/// does not follow, an oversized message) fails every waiting request and closes the channel: a stream that broke
/// the rules once cannot be trusted to be in step.
/// </remarks>
public sealed partial class UaSecureChannel : IAsyncDisposable
{
    /// <summary>Most requests waiting for their response at once.</summary>
    public const int MaxOutstandingRequests = 64;

    private readonly UaTcpConnection _connection;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, PendingRequest> _pending = [];
    private readonly CancellationTokenSource _closing = new();
    private Task? _receiveLoop;
    private ITimer? _renewTimer;
    private uint _sendSequence;
    private uint _requestId;
    private uint? _receiveSequence;
    private uint _previousTokenId;
    private ChannelSecurityToken? _token;
    private OpcUaException? _failure;
    private int _disposed;

    private readonly ChannelCrypto? _crypto;

    /// <summary>A channel with security policy None when <paramref name="crypto"/> is null, else the crypto's policy.</summary>
    internal UaSecureChannel(UaTcpConnection connection, TimeProvider time, ChannelCrypto? crypto = null)
    {
        _connection = connection;
        _time = time;
        _crypto = crypto;
    }

    /// <summary>The security policy URI of the channel.</summary>
    public string PolicyUri => _crypto?.PolicyUri ?? SecurityPolicies.None;

    /// <summary>The message security mode of the channel.</summary>
    public MessageSecurityMode Mode => _crypto?.Mode ?? MessageSecurityMode.None;

    /// <summary>The keys and certificates of a secured channel, or null with policy None.</summary>
    internal ChannelCrypto? Crypto => _crypto;

    /// <summary>The current token; null before the channel is open.</summary>
    public ChannelSecurityToken? Token => _token;

    /// <summary>How many times the token has been renewed.</summary>
    public int Renewals { get; private set; }

    /// <summary>Raised once when the channel fails or the server closes it (not when this side closes it).</summary>
    public event Action<OpcUaException>? Faulted;

    /// <summary>True until the channel has failed or been closed.</summary>
    public bool IsOpen => _failure is null && _token is not null && Volatile.Read(ref _disposed) == 0;

    /// <summary>Opens the channel (OpenSecureChannel, request type Issue) and starts renewing it.</summary>
    public async Task OpenAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _receiveLoop = Task.Run(() => ReceiveLoopAsync(_closing.Token), CancellationToken.None);
        await OpenOrRenewAsync(renew: false, timeout, cancellationToken);
    }

    private async Task OpenOrRenewAsync(bool renew, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var body = new ArrayBufferWriter<byte>(128);
        var writer = new UaBinaryWriter(body);
        // OPC 10000-4 §5.5.2.2 OpenSecureChannelRequest.
        writer.WriteNodeId(NodeId.Number(ServiceIds.OpenSecureChannelRequest));
        RequestHeaderWriter.Write(writer, NodeId.Null, 0, timeout, _time);
        writer.WriteUInt32(0);                                     // ClientProtocolVersion
        writer.WriteInt32(renew ? 1 : 0);                          // SecurityTokenRequestType: Issue 0, Renew 1
        writer.WriteInt32((int)Mode);                              // SecurityMode
        writer.WriteByteString(_crypto?.NewClientNonce() ?? []);   // ClientNonce: empty for None, 32 bytes for Basic256Sha256
        writer.WriteUInt32((uint)Math.Min(uint.MaxValue, TokenLifetime.TotalMilliseconds)); // RequestedLifetime

        var response = await RequestAsync(UaTcpMessageType.OpenSecureChannel, body.WrittenMemory, timeout, cancellationToken);
        var reader = new UaBinaryReader(response.Span);
        ResponseReader.ExpectType(ref reader, ServiceIds.OpenSecureChannelResponse);
        ResponseReader.ReadHeader(ref reader);
        reader.ReadUInt32(); // ServerProtocolVersion
        var channelId = reader.ReadUInt32();
        var tokenId = reader.ReadUInt32();
        var createdAt = reader.ReadDateTime();
        var lifetimeMs = reader.ReadUInt32();
        var serverNonce = reader.ReadByteString() ?? [];
        if (channelId == 0 || _token is { } old && old.ChannelId != channelId)
        {
            throw Fail(new OpcUaException(StatusCodes.BadSecureChannelIdInvalid, $"the server answered OpenSecureChannel with channel id {channelId}"));
        }

        var lifetime = TimeSpan.FromMilliseconds(Math.Max(lifetimeMs, 1000));
        lock (_lock)
        {
            _crypto?.AddToken(tokenId, serverNonce);
            _previousTokenId = _token?.TokenId ?? tokenId;
            _token = new ChannelSecurityToken(channelId, tokenId, createdAt, lifetime);
        }

        if (renew)
        {
            Renewals++;
        }

        // OPC 10000-4 §5.5.2.1: renew once 75 % of the revised lifetime has passed.
        _renewTimer?.Dispose();
        _renewTimer = _time.CreateTimer(_ => _ = RenewInBackgroundAsync(), null, lifetime * 0.75, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The lifetime requested for each token; the server revises it.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(60);

    private async Task RenewInBackgroundAsync()
    {
        try
        {
            await OpenOrRenewAsync(renew: true, TimeSpan.FromSeconds(10), _closing.Token);
        }
        catch (Exception ex) when (ex is OpcUaException or OperationCanceledException or IOException or TimeoutException)
        {
            Fail(ex as OpcUaException ?? new OpcUaException(StatusCodes.BadSecureChannelClosed, $"renewing the secure channel failed: {ex.Message}"));
        }
    }

    /// <summary>Sends a service request (its encoding NodeId, then the request) and returns the response body.</summary>
    /// <exception cref="OpcUaException">The channel failed, or too many requests are waiting.</exception>
    /// <exception cref="TimeoutException">No response within <paramref name="timeout"/>.</exception>
    public Task<ReadOnlyMemory<byte>> SendAsync(ReadOnlyMemory<byte> request, TimeSpan timeout, CancellationToken cancellationToken) =>
        RequestAsync(UaTcpMessageType.Message, request, timeout, cancellationToken);

    private async Task<ReadOnlyMemory<byte>> RequestAsync(UaTcpMessageType type, ReadOnlyMemory<byte> request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        PendingRequest pending;
        uint requestId;
        lock (_lock)
        {
            if (_failure is { } failure)
            {
                throw new OpcUaException(failure.Status, failure.Message);
            }

            if (_pending.Count >= MaxOutstandingRequests)
            {
                throw new OpcUaException(StatusCodes.BadTooManyOperations, $"{MaxOutstandingRequests} requests already wait for a response");
            }

            requestId = ++_requestId;
            pending = new PendingRequest(_connection.Local);
            _pending[requestId] = pending;
        }

        try
        {
            await _connection.WriteAsync(Chunk(type, requestId, request.Span), cancellationToken);
            return await pending.Completion.Task.WaitAsync(timeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new OpcUaException(StatusCodes.BadTimeout, $"no response within {timeout.TotalMilliseconds:0} ms");
        }
        finally
        {
            lock (_lock)
            {
                _pending.Remove(requestId);
            }
        }
    }

    /// <summary>Splits a message into chunks no larger than the server's receive buffer (§6.7.2.2), headers included.</summary>
    private ReadOnlyMemory<byte> Chunk(UaTcpMessageType type, uint requestId, ReadOnlySpan<byte> message)
    {
        var output = new ArrayBufferWriter<byte>(message.Length + 64);
        var asymmetric = type == UaTcpMessageType.OpenSecureChannel;
        var securityHeader = asymmetric ? AsymmetricHeader() : BitConverter.GetBytes(0u);
        var headerSize = UaTcpHeader.Size + 4 + securityHeader.Length;
        var chunkSize = (int)_connection.Negotiated.ReceiveBufferSize;
        var maxBody = _crypto is null ? chunkSize - headerSize - 8
            : asymmetric ? _crypto.AsymmetricCapacity(chunkSize, headerSize) : _crypto.SymmetricCapacity(chunkSize, headerSize);
        var chunks = Math.Max(1, (message.Length + maxBody - 1) / maxBody);
        if (_connection.Negotiated.MaxChunkCount != 0 && chunks > _connection.Negotiated.MaxChunkCount
            || _connection.Negotiated.MaxMessageSize != 0 && message.Length > _connection.Negotiated.MaxMessageSize)
        {
            throw new OpcUaException(StatusCodes.BadEncodingLimitsExceeded,
                $"a request of {message.Length} bytes exceeds what the server accepts ({_connection.Negotiated.MaxMessageSize} bytes, {_connection.Negotiated.MaxChunkCount} chunks)");
        }

        var plain = new ArrayBufferWriter<byte>(Math.Min(message.Length, maxBody) + headerSize + 8);
        var writer = new UaBinaryWriter(plain);
        Span<byte> headerSpace = stackalloc byte[UaTcpHeader.Size];
        for (var i = 0; i < chunks; i++)
        {
            plain.ResetWrittenCount();
            var part = message.Slice(i * maxBody, Math.Min(maxBody, message.Length - (i * maxBody)));
            writer.WriteBytes(headerSpace);
            uint channelId, tokenId;
            lock (_lock)
            {
                channelId = _token?.ChannelId ?? 0;
                tokenId = _token?.TokenId ?? 0;
            }

            writer.WriteUInt32(channelId);
            if (asymmetric)
            {
                writer.WriteBytes(securityHeader);
            }
            else
            {
                writer.WriteUInt32(tokenId); // §6.7.2.4 symmetric algorithm security header
            }

            // §6.7.2.4 sequence header: the sequence number grows by one per chunk sent.
            writer.WriteUInt32(Interlocked.Increment(ref _sendSequence));
            writer.WriteUInt32(requestId);
            writer.WriteBytes(part);
            UaTcpHeader.Write(writer.WrittenSpan(0, UaTcpHeader.Size), type, i == chunks - 1 ? (byte)'F' : (byte)'C', plain.WrittenCount);
            output.Write(_crypto is null ? plain.WrittenSpan
                : asymmetric ? _crypto.ProtectAsymmetric(plain.WrittenSpan, headerSize) : _crypto.ProtectSymmetric(tokenId, plain.WrittenSpan, headerSize));
        }

        return output.WrittenMemory;
    }

    // §6.7.2.3 asymmetric algorithm security header: policy URI, sender certificate, receiver certificate thumbprint
    // (both null with policy None).
    private byte[] AsymmetricHeader()
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        var writer = new UaBinaryWriter(buffer);
        writer.WriteString(PolicyUri);
        writer.WriteByteString(_crypto?.ClientCertificateDer ?? [], isNull: _crypto is null);
        writer.WriteByteString(_crypto?.ServerThumbprint ?? [], isNull: _crypto is null);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Closes the channel: CloseSecureChannel (no response, §6.7.6), then the connection.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (_token is not null && _failure is null)
        {
            try
            {
                var body = new ArrayBufferWriter<byte>(64);
                var writer = new UaBinaryWriter(body);
                writer.WriteNodeId(NodeId.Number(ServiceIds.CloseSecureChannelRequest));
                RequestHeaderWriter.Write(writer, NodeId.Null, 0, TimeSpan.FromSeconds(1), _time);
                uint requestId;
                lock (_lock)
                {
                    requestId = ++_requestId;
                }

                await _connection.WriteAsync(Chunk(UaTcpMessageType.CloseSecureChannel, requestId, body.WrittenSpan), cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or OpcUaException or ObjectDisposedException or OperationCanceledException)
            {
                // The server may have gone already; closing goes on.
            }
        }

        await DisposeAsync();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _renewTimer?.Dispose();
        await _closing.CancelAsync();
        await _connection.DisposeAsync();
        if (_receiveLoop is not null)
        {
            await _receiveLoop;
        }

        FailPending(new OpcUaException(StatusCodes.BadSecureChannelClosed, "the secure channel was closed"));
        _closing.Dispose();
        _crypto?.Dispose();
    }

    private OpcUaException Fail(OpcUaException failure)
    {
        bool first;
        lock (_lock)
        {
            first = _failure is null;
            _failure ??= failure;
        }

        FailPending(failure);
        if (first && Volatile.Read(ref _disposed) == 0)
        {
            Faulted?.Invoke(failure);
            _ = _connection.DisposeAsync(); // unblocks the receive loop
        }

        return failure;
    }

    private void FailPending(OpcUaException failure)
    {
        List<PendingRequest> waiting;
        lock (_lock)
        {
            waiting = [.. _pending.Values];
        }

        foreach (var pending in waiting)
        {
            pending.Completion.TrySetException(new OpcUaException(failure.Status, failure.Message));
        }
    }

}

using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace TwinGuard.Ingest.Mqtt.PreLogin;

/// <summary>
/// An MQTT channel that reads the fixed headers of what passes through it and closes the connection before MQTTnet
/// buffers a packet larger than allowed, before a first packet that is not a CONNECT, and when no complete CONNECT has
/// arrived within the connect timeout.
/// </summary>
/// <remarks>
/// <para>MQTT 5.0 §2.1.4 / MQTT 3.1.1 §2.2.3: the Remaining Length is a Variable Byte Integer of at most four bytes. The
/// guard checks it as soon as its bytes arrive, so the announced size is refused before MQTTnet allocates the body.
/// Before login the limit is <see cref="PreLoginLimits.MaxConnectBytes"/>, after it <see cref="PreLoginLimits.MaxPacketBytes"/>.</para>
/// <para>MQTT 5.0 §3.1 [MQTT-3.1.0-1]: the first packet from the client must be CONNECT.</para>
/// <para>Login is read from the server's own CONNACK as it is written (MQTT 5.0 §3.2.2.2, 3.1.1 §3.2.2.3: return or
/// reason code 0 is success), so the guard needs no hook into the broker's authentication.</para>
/// <para>The deadline stops once the CONNECT's last byte has arrived: the client has done its part, and the time the
/// broker then takes to answer (a password check costs a PBKDF2, one at a time, seconds on a loaded machine or behind
/// others' failed logins) is not the client's to pay. Counting it closed genuine devices whose check came late.</para>
/// <para>A refused connection ends as a closed stream (a read of 0 bytes), which MQTTnet takes quietly.</para>
/// </remarks>
public sealed class FramingGuardChannel : IMqttChannel
{
    private const int HeaderPhase = 0;
    private const int LengthPhase = 1;
    private const int BodyPhase = 2;
    private const byte ConnectType = 1;
    private const byte ConnAckType = 2;

    private readonly IMqttChannel _inner;
    private readonly ConnectionLease _lease;
    private readonly PreLoginLimits _limits;
    private readonly CancellationTokenSource _deadline;
    private readonly ITimer _deadlineTimer;
    private int _phase;
    private long _remaining;
    private int _lengthBytes;
    private int _multiplier;
    private bool _seenConnect;
    private bool _answered;
    private int _refused;

    /// <summary>Guards <paramref name="inner"/> for the connection holding <paramref name="lease"/>.</summary>
    public FramingGuardChannel(IMqttChannel inner, ConnectionLease lease, PreLoginLimits limits, TimeProvider time)
    {
        _inner = inner;
        _lease = lease;
        _limits = limits;
        _deadline = new CancellationTokenSource();
        _deadlineTimer = time.CreateTimer(static s => ((FramingGuardChannel)s!).ConnectDeadlinePassed(), this, limits.ConnectTimeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Why the guard closed the connection, or <see cref="AdmissionRefusal.None"/>.</summary>
    public AdmissionRefusal Refusal { get; private set; }

    /// <summary>A token cancelled when the connect deadline passes without a complete CONNECT.</summary>
    public CancellationToken ConnectDeadline => _deadline.Token;

    /// <inheritdoc />
    public X509Certificate2 ClientCertificate => _inner.ClientCertificate;

    /// <inheritdoc />
    public EndPoint RemoteEndPoint => _inner.RemoteEndPoint;

    /// <inheritdoc />
    public EndPoint LocalEndPoint => _inner.LocalEndPoint;

    /// <inheritdoc />
    public bool IsSecureConnection => _inner.IsSecureConnection;

    /// <inheritdoc />
    public Task ConnectAsync(CancellationToken cancellationToken) => _inner.ConnectAsync(cancellationToken);

    /// <inheritdoc />
    public Task DisconnectAsync(CancellationToken cancellationToken) => _inner.DisconnectAsync(cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Once logged in, a read the inner channel completed at once (served from the read-ahead buffer) is inspected and
    /// its task handed back as it is: no state machine of ours per packet read, which MQTTnet does two or three of per
    /// packet.
    /// </remarks>
    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _refused) != 0)
        {
            return Task.FromResult(0);
        }

        if (!_answered)
        {
            return ReadBeforeLoginAsync(buffer, offset, count, cancellationToken);
        }

        var reading = _inner.ReadAsync(buffer, offset, count, cancellationToken);
        if (!reading.IsCompletedSuccessfully)
        {
            return InspectedAsync(reading, buffer, offset);
        }

        return Passes(buffer, offset, reading.Result) ? reading : Task.FromResult(0);
    }

    private async Task<int> ReadBeforeLoginAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadline.Token);
        try
        {
            return await InspectedAsync(_inner.ReadAsync(buffer, offset, count, linked.Token), buffer, offset).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return 0; // the connect deadline passed: closed, as far as MQTTnet is concerned
        }
    }

    private async Task<int> InspectedAsync(Task<int> reading, byte[] buffer, int offset)
    {
        var read = await reading.ConfigureAwait(false);
        return Passes(buffer, offset, read) ? read : 0;
    }

    /// <summary>Inspects what was read; false (and the connection refused) when it breaks the framing limits.</summary>
    private bool Passes(byte[] buffer, int offset, int read)
    {
        var violation = Inspect(buffer.AsSpan(offset, read));
        if (violation == AdmissionRefusal.None)
        {
            return true;
        }

        Refuse(violation);
        return false;
    }

    /// <inheritdoc />
    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        if (!_answered && buffer.Length >= 4)
        {
            ObserveConnAck(buffer);
        }

        return _inner.WriteAsync(buffer, isEndOfPacket, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _deadlineTimer.Dispose();
        _deadline.Dispose();
        _inner.Dispose();
        _lease.Dispose();
    }

    /// <summary>Runs the fixed-header state machine over bytes just read; returns the violation found, if any.</summary>
    internal AdmissionRefusal Inspect(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_phase)
            {
                case HeaderPhase:
                    var type = (byte)(bytes[i] >> 4);
                    if (!_seenConnect && type != ConnectType)
                    {
                        return AdmissionRefusal.ProtocolViolation; // [MQTT-3.1.0-1]
                    }

                    _seenConnect = true;
                    (_phase, _remaining, _lengthBytes, _multiplier) = (LengthPhase, 0, 0, 1);
                    i++;
                    break;
                case LengthPhase:
                    var encoded = bytes[i++];
                    _remaining += (encoded & 0x7F) * (long)_multiplier;
                    _multiplier *= 128;
                    _lengthBytes++;
                    if (_remaining > (_answered ? _limits.MaxPacketBytes : _limits.MaxConnectBytes))
                    {
                        return AdmissionRefusal.Oversized;
                    }

                    if ((encoded & 0x80) == 0)
                    {
                        _phase = _remaining == 0 ? HeaderPhase : BodyPhase;
                    }
                    else if (_lengthBytes == 4)
                    {
                        return AdmissionRefusal.ProtocolViolation; // a fifth length byte is malformed
                    }

                    break;
                default:
                    var skip = (int)Math.Min(_remaining, bytes.Length - i);
                    i += skip;
                    _remaining -= skip;
                    if (_remaining == 0)
                    {
                        _phase = HeaderPhase;
                        if (!_answered)
                        {
                            _deadlineTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan); // the CONNECT is complete
                        }
                    }

                    break;
            }
        }

        return AdmissionRefusal.None;
    }

    private void ObserveConnAck(ReadOnlySequence<byte> buffer)
    {
        Span<byte> head = stackalloc byte[8];
        var length = (int)Math.Min(head.Length, buffer.Length);
        buffer.Slice(0, length).CopyTo(head);
        if (head[0] >> 4 != ConnAckType)
        {
            return;
        }

        // Skip the Remaining Length (one to four bytes), then: acknowledge flags, return / reason code.
        var at = 1;
        while (at < length && (head[at] & 0x80) != 0)
        {
            at++;
        }

        at++;
        if (at + 1 >= length)
        {
            return;
        }

        _answered = true;
        _deadlineTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (head[at + 1] == 0)
        {
            _lease.MarkLoggedIn();
        }
        else
        {
            _lease.MarkLoginFailed();
        }
    }

    private void ConnectDeadlinePassed()
    {
        if (!_answered && Volatile.Read(ref _refused) == 0)
        {
            Refuse(AdmissionRefusal.ConnectTimeout);
            try
            {
                _deadline.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The connection closed at the same moment.
            }
        }
    }

    private void Refuse(AdmissionRefusal reason)
    {
        if (Interlocked.Exchange(ref _refused, 1) == 0)
        {
            Refusal = reason;
            _lease.CountRefusal(reason);
        }
    }
}

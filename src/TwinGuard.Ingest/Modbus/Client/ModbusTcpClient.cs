using System.Buffers.Binary;
using System.Net.Sockets;

namespace TwinGuard.Ingest.Modbus;

/// <summary>
/// A Modbus TCP client (Messaging on TCP/IP Implementation Guide v1.0b, client side) for one server and unit:
/// one request outstanding at a time, every response validated, timeouts, and reconnection with exponential back-off.
/// </summary>
/// <remarks>
/// Every response is checked before it is believed: transaction id, protocol id 0, length, unit id (Implementation Guide
/// §3.1.3), function code echo, exception responses (Application Protocol v1.1b3 §7) and byte counts (§6). A failure
/// surfaces as a <see cref="ModbusException"/> subclass; any failure other than a server exception closes the connection,
/// since the stream can no longer be trusted to be in step, and the next attempt waits out the back-off instead of
/// hammering a device that is down. Thread-safe: concurrent callers queue.
/// </remarks>
public sealed class ModbusTcpClient : IAsyncDisposable
{
    private readonly string _host;
    private readonly int _port;
    private readonly ModbusClientOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly byte[] _send = new byte[MbapHeader.MaxAdu];
    private readonly byte[] _receive = new byte[MbapHeader.MaxAdu];
    private Socket? _socket;
    private NetworkStream? _stream;
    private ushort _transaction;
    private TimeSpan _backoff;
    private long _retryAt;
    private string? _lastFailure;
    private bool _disposed;

    /// <summary>Creates a client; it connects on the first request.</summary>
    public ModbusTcpClient(string host, int port, byte unitId, ModbusClientOptions options, TimeProvider time)
    {
        _host = host;
        _port = port;
        UnitId = unitId;
        _options = options;
        _time = time;
        _backoff = options.InitialBackoff;
    }

    /// <summary>The unit identifier requests carry.</summary>
    public byte UnitId { get; }

    /// <summary>True while a connection is open.</summary>
    public bool IsConnected => _stream is not null;

    /// <summary>Connections opened so far (the first one included).</summary>
    public int Connections { get; private set; }

    /// <summary>§6.1 Read Coils.</summary>
    public Task<bool[]> ReadCoilsAsync(int address, int count, CancellationToken cancellationToken = default) =>
        ReadBitsAsync(ModbusFunction.ReadCoils, address, count, cancellationToken);

    /// <summary>§6.2 Read Discrete Inputs.</summary>
    public Task<bool[]> ReadDiscreteInputsAsync(int address, int count, CancellationToken cancellationToken = default) =>
        ReadBitsAsync(ModbusFunction.ReadDiscreteInputs, address, count, cancellationToken);

    /// <summary>§6.3 Read Holding Registers.</summary>
    public Task<ushort[]> ReadHoldingRegistersAsync(int address, int count, CancellationToken cancellationToken = default) =>
        ReadRegistersAsync(ModbusFunction.ReadHoldingRegisters, address, count, cancellationToken);

    /// <summary>§6.4 Read Input Registers.</summary>
    public Task<ushort[]> ReadInputRegistersAsync(int address, int count, CancellationToken cancellationToken = default) =>
        ReadRegistersAsync(ModbusFunction.ReadInputRegisters, address, count, cancellationToken);

    /// <summary>§6.5 Write Single Coil.</summary>
    public async Task WriteSingleCoilAsync(int address, bool value, CancellationToken cancellationToken = default)
    {
        CheckRange(address, 1, 1);
        var request = new byte[5];
        ModbusPdu.WriteSingle(request, ModbusFunction.WriteSingleCoil, address, value ? (ushort)0xFF00 : (ushort)0);
        await ExchangeOrThrowAsync(request, static _ => 0, cancellationToken);
    }

    /// <summary>§6.6 Write Single Register.</summary>
    public async Task WriteSingleRegisterAsync(int address, ushort value, CancellationToken cancellationToken = default)
    {
        CheckRange(address, 1, 1);
        var request = new byte[5];
        ModbusPdu.WriteSingle(request, ModbusFunction.WriteSingleRegister, address, value);
        await ExchangeOrThrowAsync(request, static _ => 0, cancellationToken);
    }

    /// <summary>§6.11 Write Multiple Coils.</summary>
    public async Task WriteMultipleCoilsAsync(int address, IReadOnlyList<bool> values, CancellationToken cancellationToken = default)
    {
        CheckRange(address, values.Count, ModbusPdu.MaxWriteCoils);
        var request = new byte[6 + ((values.Count + 7) / 8)];
        ModbusPdu.WriteCoils(request, address, values.ToArray());
        await ExchangeOrThrowAsync(request, static _ => 0, cancellationToken);
    }

    /// <summary>§6.12 Write Multiple Registers.</summary>
    public async Task WriteMultipleRegistersAsync(int address, IReadOnlyList<ushort> values, CancellationToken cancellationToken = default)
    {
        CheckRange(address, values.Count, ModbusPdu.MaxWriteRegisters);
        var request = new byte[6 + (2 * values.Count)];
        ModbusPdu.WriteRegisters(request, address, values.ToArray());
        await ExchangeOrThrowAsync(request, static _ => 0, cancellationToken);
    }

    /// <summary>§6.17 Read/Write Multiple Registers: writes, then reads, in one transaction.</summary>
    public Task<ushort[]> ReadWriteMultipleRegistersAsync(int readAddress, int readCount, int writeAddress, IReadOnlyList<ushort> values, CancellationToken cancellationToken = default)
    {
        CheckRange(readAddress, readCount, ModbusPdu.MaxReadRegisters);
        CheckRange(writeAddress, values.Count, ModbusPdu.MaxReadWriteRegisters);
        var request = new byte[10 + (2 * values.Count)];
        ModbusPdu.WriteReadWrite(request, readAddress, readCount, writeAddress, values.ToArray());
        return ExchangeOrThrowAsync(request, Registers, cancellationToken);
    }

    /// <summary>
    /// Sends one request PDU and copies the response PDU (normal or exception) into <paramref name="response"/>; the guard
    /// uses this to forward requests it allowed. Validates the MBAP header and the response against the request.
    /// </summary>
    /// <returns>The response PDU's length.</returns>
    /// <exception cref="ModbusException">Timeout, no connection, or an invalid response (not for a server exception).</exception>
    public async ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> request, Memory<byte> response, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var length = await ExchangeLockedAsync(request, cancellationToken);
            _receive.AsMemory(MbapHeader.Size, length).CopyTo(response);
            return length;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _lock.WaitAsync();
        try
        {
            _disposed = true;
            Close();
        }
        finally
        {
            _lock.Release();
        }

        _lock.Dispose();
    }

    private async Task<bool[]> ReadBitsAsync(ModbusFunction function, int address, int count, CancellationToken cancellationToken)
    {
        CheckRange(address, count, ModbusPdu.MaxReadBits);
        var request = new byte[5];
        ModbusPdu.WriteRead(request, function, address, count);
        return await ExchangeOrThrowAsync(request, pdu =>
        {
            // §6.1: packed LSB first; the remaining bits of the last byte are padding.
            var bits = new bool[count];
            for (var i = 0; i < count; i++)
            {
                bits[i] = ((pdu[2 + (i >> 3)] >> (i & 7)) & 1) != 0;
            }

            return bits;
        }, cancellationToken);
    }

    private async Task<ushort[]> ReadRegistersAsync(ModbusFunction function, int address, int count, CancellationToken cancellationToken)
    {
        CheckRange(address, count, ModbusPdu.MaxReadRegisters);
        var request = new byte[5];
        ModbusPdu.WriteRead(request, function, address, count);
        return await ExchangeOrThrowAsync(request, Registers, cancellationToken);
    }

    private static ushort[] Registers(ReadOnlySpan<byte> pdu)
    {
        var words = new ushort[pdu[1] / 2];
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt16BigEndian(pdu[(2 + (2 * i))..]);
        }

        return words;
    }

    private async Task<T> ExchangeOrThrowAsync<T>(byte[] request, ReadOnlySpanFunc<T> parse, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var length = await ExchangeLockedAsync(request, cancellationToken);
            var pdu = _receive.AsSpan(MbapHeader.Size, length);
            if ((pdu[0] & ModbusPdu.ExceptionFlag) != 0)
            {
                throw new ModbusServerException((ModbusFunction)request[0], (ModbusExceptionCode)pdu[1]);
            }

            return parse(pdu);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Sends <paramref name="request"/> and leaves the validated response ADU in <see cref="_receive"/>.</summary>
    private async ValueTask<int> ExchangeLockedAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (request.Length is 0 or > MbapHeader.MaxPdu)
        {
            throw new ArgumentOutOfRangeException(nameof(request), $"a PDU has 1 to {MbapHeader.MaxPdu} bytes");
        }

        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var token = linked.Token;
        try
        {
            var stream = _stream ?? await ConnectAsync(token);
            var transaction = ++_transaction;
            MbapHeader.Write(_send, transaction, UnitId, request.Length);
            request.CopyTo(_send.AsMemory(MbapHeader.Size));
            await stream.WriteAsync(_send.AsMemory(0, MbapHeader.Size + request.Length), token);

            await stream.ReadExactlyAsync(_receive.AsMemory(0, MbapHeader.Size), token);
            var header = MbapHeader.Read(_receive);
            var problem = header.TransactionId != transaction ? $"transaction id {header.TransactionId}, expected {transaction}"
                : header.Problem()
                ?? (header.UnitId != UnitId ? $"unit id {header.UnitId}, expected {UnitId} (Implementation Guide v1.0b §3.1.3: echoed)" : null);
            if (problem is not null)
            {
                throw new ModbusProtocolException($"{_host}:{_port}: invalid response header: {problem}");
            }

            await stream.ReadExactlyAsync(_receive.AsMemory(MbapHeader.Size, header.PduLength), token);
            if (ModbusPdu.ResponseProblem(request.Span, _receive.AsSpan(MbapHeader.Size, header.PduLength)) is { } pduProblem)
            {
                throw new ModbusProtocolException($"{_host}:{_port}: invalid response to function {request.Span[0]}: {pduProblem}");
            }

            _backoff = _options.InitialBackoff;
            return header.PduLength;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Fail(new ModbusTimeoutException($"{_host}:{_port}: no response within {_options.Timeout.TotalMilliseconds:0} ms"));
        }
        catch (OperationCanceledException)
        {
            Close(); // a half-read response would put the stream out of step
            throw;
        }
        catch (ModbusProtocolException ex)
        {
            throw Fail(ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException)
        {
            throw Fail(new ModbusUnavailableException($"{_host}:{_port}: connection lost: {ex.Message}", ex));
        }
    }

    private async ValueTask<NetworkStream> ConnectAsync(CancellationToken token)
    {
        if (_retryAt != 0 && _time.GetTimestamp() < _retryAt)
        {
            throw new ModbusUnavailableException(
                $"{_host}:{_port}: backing off for {_time.GetElapsedTime(_time.GetTimestamp(), _retryAt).TotalMilliseconds:0} ms after: {_lastFailure}");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_host, _port, token);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw Fail(new ModbusUnavailableException($"{_host}:{_port}: cannot connect: {ex.Message}", ex));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Connections++;
        return _stream;
    }

    private ModbusException Fail(ModbusException error)
    {
        Close();
        _lastFailure = error.Message;
        _retryAt = _time.GetTimestamp() + (long)(_backoff.TotalSeconds * _time.TimestampFrequency);
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        return error;
    }

    private void Close()
    {
        _stream?.Dispose();
        _socket?.Dispose();
        _stream = null;
        _socket = null;
    }

    private static void CheckRange(int address, int count, int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(address);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, max);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(address + count, 65536, nameof(address));
    }
}

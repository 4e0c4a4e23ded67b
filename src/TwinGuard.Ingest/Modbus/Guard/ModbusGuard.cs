using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Modbus;

/// <summary>
/// The inline guard: a Modbus TCP proxy between clients (HMI, engineering station) and one device. It forwards what the
/// plant model allows and refuses the rest with a Modbus exception response and a finding.
/// </summary>
/// <remarks>
/// <para>Each client connection is served on its own, with its own upstream connection to the device, and holds at most
/// two 260-byte ADU buffers (Application Protocol v1.1b3 §4.1): a flood or a malformed frame on one connection never
/// delays another. A frame whose MBAP header cannot be trusted (protocol id not 0, length outside 2..254, or a frame that
/// does not complete within the device timeout) closes that connection, since the stream cannot be resynchronised;
/// a well-framed but invalid PDU is answered with an exception and the connection stays open.</para>
/// <para>Clients are identified by IP address; each is a source that playbooks can quarantine, after which every request
/// it sends is refused. Allowed writes raise an informational <see cref="ReasonCode.RegisterWrite"/> finding, refused
/// ones a finding naming client, function, address and value, so that correlation sees both.</para>
/// </remarks>
public sealed partial class ModbusGuard : IAsyncDisposable
{
    /// <summary>Client connections served at once; more are closed on arrival (memory stays bounded).</summary>
    /// <remarks>Only listed clients hold one: an address the guard model does not list is closed at accept.</remarks>
    public const int MaxConnections = 64;

    /// <summary>Connections one client address may hold at once, so that no address takes every slot.</summary>
    public const int MaxConnectionsPerAddress = 8;

    /// <summary>A connection that sends no request for this long is closed (an HMI polls far more often).</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);

    private readonly ModbusDeviceModel _device;
    private readonly ModbusGuardModel _model;
    private readonly ModbusGuardPolicy _policy;
    private readonly EvidenceSink _evidence;
    private readonly ModbusMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ModbusClientOptions _upstreamOptions;
    private readonly ModbusWriteLog? _writes;
    private readonly Action<ConnectionAttempt>? _connecting;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private readonly Dictionary<IPAddress, int> _perAddress = []; // listed addresses with a connection: at most MaxConnections keys
    private readonly RefusalFolder _unlisted;
    private Socket? _listener;
    private Task _accepting = Task.CompletedTask;
    private int _active;
    private int _upstreamDown;

    /// <summary>Creates the guard of <paramref name="device"/> (which must have a guard in the plant model).</summary>
    /// <param name="device">The device and its guard model.</param>
    /// <param name="quarantine">Where playbooks quarantine clients.</param>
    /// <param name="evidence">Where findings and refusals go.</param>
    /// <param name="metrics">Counters.</param>
    /// <param name="time">The clock.</param>
    /// <param name="writes">Where forwarded writes are logged for the device's poller; null when nothing polls it.</param>
    /// <param name="connecting">Told of every client that connects (threat intelligence matches their addresses).</param>
    /// <param name="foldWindow">The window in which an unlisted address's refusals are folded (<c>limits.modbus.refusal_fold_window</c>; 10 s when null).</param>
    public ModbusGuard(
        ModbusDeviceModel device, QuarantineList quarantine, EvidenceSink evidence, ModbusMetrics metrics, TimeProvider time, ModbusWriteLog? writes = null,
        Action<ConnectionAttempt>? connecting = null, TimeSpan? foldWindow = null)
    {
        _unlisted = new RefusalFolder(foldWindow ?? LimitsSettings.Default.RefusalFoldWindow);
        _writes = writes;
        _connecting = connecting;
        _device = device;
        _model = device.Guard ?? throw new ArgumentException($"Modbus device '{device.Id}' has no guard", nameof(device));
        _policy = new ModbusGuardPolicy(_model, quarantine);
        _evidence = evidence;
        _metrics = metrics;
        _time = time;
        _upstreamOptions = ModbusClientOptions.Default with { Timeout = device.Timeout, MaxBackoff = TimeSpan.FromSeconds(2) };
    }

    /// <summary>Where the guard listens (the actual port once started, when the model asked for port 0).</summary>
    public IPEndPoint LocalEndpoint => (IPEndPoint?)_listener?.LocalEndPoint ?? _model.Listen;

    /// <summary>The device guarded.</summary>
    public ModbusDeviceModel Device => _device;

    /// <summary>Binds the listening socket and starts accepting clients.</summary>
    /// <exception cref="IOException">The address cannot be bound (in use, not local).</exception>
    public void Start()
    {
        var listener = new Socket(_model.Listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(_model.Listen);
            listener.Listen(128);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            throw new IOException($"Modbus guard '{_device.Id}' cannot listen on {_model.Listen}: {ex.Message}", ex);
        }

        _listener = listener;
        _accepting = AcceptAsync(listener, _stopping.Token);
    }

    /// <summary>Stops listening and closes every client connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener?.Dispose();
        await _accepting;
        await Task.WhenAll(_connections.Keys);
        _stopping.Dispose();
    }

    private async Task AcceptAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                continue; // a connection reset before it was accepted concerns that client only
            }

            if (!Admit(socket, out var address))
            {
                _metrics.CountConnectionRefused();
                socket.LingerState = new LingerOption(true, 0); // reset: no lingering state for a refused client
                socket.Dispose();
                continue;
            }

            _metrics.CountConnection();
            socket.NoDelay = true;
            var task = Task.Run(() => ServeAsync(socket, address, cancellationToken), CancellationToken.None);
            _connections.TryAdd(task, 0);
            _ = task.ContinueWith(t => _connections.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// The allow-list at accept: an unlisted address is refused before a byte is read (one folded refusal per address),
    /// and a listed one takes a slot within the total and per-address caps.
    /// </summary>
    private bool Admit(Socket socket, out IPAddress address)
    {
        IPEndPoint remote;
        try
        {
            remote = (IPEndPoint)socket.RemoteEndPoint!;
        }
        catch (SocketException)
        {
            address = IPAddress.None;
            return false; // reset before it could be looked at
        }

        address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        if (_model.FindClient(address) is null)
        {
            RefusedAtAccept(address, remote.Port);
            return false;
        }

        lock (_perAddress)
        {
            var held = _perAddress.GetValueOrDefault(address);
            if (_active >= MaxConnections || held >= MaxConnectionsPerAddress)
            {
                return false;
            }

            _perAddress[address] = held + 1;
            _active++;
            return true;
        }
    }

    private void Release(IPAddress address)
    {
        lock (_perAddress)
        {
            _active--;
            if (_perAddress.TryGetValue(address, out var held) && held > 1)
            {
                _perAddress[address] = held - 1;
            }
            else
            {
                _perAddress.Remove(address);
            }
        }
    }

    private async Task ServeAsync(Socket socket, IPAddress address, CancellationToken cancellationToken)
    {
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        var client = _model.FindClient(address);
        var connection = new Connection(client, client?.Id ?? $"modbus-client:{address}", $"{address}:{remote.Port}");
        _connecting?.Invoke(new ConnectionAttempt("modbus", null, connection.SourceId, address, client?.Id));
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            await using var upstream = new ModbusTcpClient(_device.Host, _device.Port, _device.UnitId, _upstreamOptions, _time);
            var frame = new byte[MbapHeader.MaxAdu];
            var answer = new byte[MbapHeader.MaxAdu];
            while (await ReadFrameAsync(stream, frame, connection, cancellationToken) is { } header)
            {
                _metrics.CountRequest();
                var length = await AnswerAsync(upstream, header, frame, answer, connection, cancellationToken);
                await stream.WriteAsync(answer.AsMemory(0, length), cancellationToken);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or the guard is stopping: only this connection ends.
        }
        finally
        {
            Release(address);
        }
    }

    /// <summary>Reads one whole ADU into <paramref name="frame"/>; null when the connection ends or must be closed.</summary>
    private async Task<MbapHeader?> ReadFrameAsync(NetworkStream stream, byte[] frame, Connection connection, CancellationToken cancellationToken)
    {
        // Idle: the first byte of a request may take up to IdleTimeout; the rest of the header and the PDU must then
        // follow within the device timeout (below), so a client trickling bytes cannot hold a connection either.
        int got;
        using (var idle = new CancellationTokenSource(IdleTimeout, _time))
        using (var idleLinked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token))
        {
            try
            {
                got = await stream.ReadAsync(frame.AsMemory(0, MbapHeader.Size), idleLinked.Token);
            }
            catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                _metrics.CountIdleClosed();
                return null;
            }
        }

        if (got == 0)
        {
            return null;
        }

        using (var headerTimeout = new CancellationTokenSource(_device.Timeout, _time))
        using (var headerLinked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, headerTimeout.Token))
        {
            try
            {
                got += await stream.ReadAtLeastAsync(frame.AsMemory(got, MbapHeader.Size - got), MbapHeader.Size - got, throwOnEndOfStream: false, headerLinked.Token);
            }
            catch (OperationCanceledException) when (headerTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Malformed(connection, frame.AsSpan(0, got), $"{got} bytes of a {MbapHeader.Size}-byte MBAP header, the rest not within {_device.Timeout.TotalMilliseconds} ms; connection closed");
                return null;
            }
        }

        if (got < MbapHeader.Size)
        {
            Malformed(connection, frame.AsSpan(0, got), $"connection closed after {got} bytes of a {MbapHeader.Size}-byte MBAP header");
            return null;
        }

        var header = MbapHeader.Read(frame);
        if (header.Problem() is { } problem)
        {
            Malformed(connection, frame.AsSpan(0, MbapHeader.Size), $"invalid MBAP header: {problem}; connection closed");
            return null;
        }

        // The rest of the frame must follow promptly: a header that announces more than is sent must not hold the connection.
        using var timeout = new CancellationTokenSource(_device.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            got = await stream.ReadAtLeastAsync(frame.AsMemory(MbapHeader.Size, header.PduLength), header.PduLength, throwOnEndOfStream: false, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            got = -1;
        }

        if (got < header.PduLength)
        {
            Malformed(connection, frame.AsSpan(0, MbapHeader.Size + Math.Max(got, 0)),
                $"the MBAP header announced {header.PduLength} PDU bytes but {(got < 0 ? "they did not arrive within " + _device.Timeout.TotalMilliseconds + " ms" : $"the connection closed after {got}")}; connection closed");
            return null;
        }

        return header;
    }

    /// <summary>Decides on one request and builds the response ADU in <paramref name="answer"/>; returns its length.</summary>
    private async ValueTask<int> AnswerAsync(ModbusTcpClient upstream, MbapHeader header, byte[] frame, byte[] answer, Connection connection, CancellationToken cancellationToken)
    {
        var pduLength = header.PduLength;
        var verdict = _policy.Decide(connection.Client, connection.Endpoint, frame.AsSpan(MbapHeader.Size, pduLength));
        if (verdict.Allowed && header.UnitId != _device.UnitId && header.UnitId != 0xFF)
        {
            // Implementation Guide v1.0b §3.1.3 (unit identifier): the guard fronts one unit; 0xFF means "this device" on TCP.
            verdict = ModbusGuardVerdict.Refuse(ModbusExceptionCode.GatewayPathUnavailable, ReasonCode.MalformedFrame,
                $"unit id {header.UnitId} is not the guarded unit {_device.UnitId}", request: verdict.Request);
        }

        var activity = _metrics.Client(connection.SourceId);
        if (!verdict.Allowed)
        {
            _metrics.CountRefused();
            activity.CountRefused(_time.GetTimestamp());
            Refused(connection, frame.AsSpan(0, MbapHeader.Size + pduLength), header.UnitId, verdict);
            return ExceptionResponse(answer, header, frame[MbapHeader.Size], verdict.Exception);
        }

        int length;
        try
        {
            length = await upstream.ExchangeAsync(frame.AsMemory(MbapHeader.Size, pduLength), answer.AsMemory(MbapHeader.Size), cancellationToken);
        }
        catch (ModbusException ex)
        {
            _metrics.CountUpstreamFailure();
            UpstreamFailed(ex);
            return ExceptionResponse(answer, header, frame[MbapHeader.Size], ModbusExceptionCode.GatewayTargetFailedToRespond);
        }

        Interlocked.Exchange(ref _upstreamDown, 0);
        _metrics.CountForwarded();
        activity.CountForwarded(verdict.Request, _time.GetTimestamp());
        if (verdict.Request.Writes && (answer[MbapHeader.Size] & ModbusPdu.ExceptionFlag) == 0)
        {
            _writes?.Record(verdict.Request.WriteTable, verdict.Request.WriteAddress, verdict.Request.WriteQuantity, _time.GetTimestamp());
            Wrote(connection, frame.AsSpan(MbapHeader.Size, pduLength), verdict.Request);
        }

        MbapHeader.Write(answer, header.TransactionId, header.UnitId, length);
        return MbapHeader.Size + length;
    }

    private static int ExceptionResponse(byte[] answer, MbapHeader header, byte function, ModbusExceptionCode code)
    {
        // Application Protocol v1.1b3 §7: function code | 0x80, then the exception code; the MBAP header echoes the request's.
        MbapHeader.Write(answer, header.TransactionId, header.UnitId, 2);
        answer[MbapHeader.Size] = (byte)(function | ModbusPdu.ExceptionFlag);
        answer[MbapHeader.Size + 1] = (byte)code;
        return MbapHeader.Size + 2;
    }

    /// <summary>One client connection as the guard knows it.</summary>
    private sealed record Connection(ModbusClientModel? Client, string SourceId, string Endpoint);
}

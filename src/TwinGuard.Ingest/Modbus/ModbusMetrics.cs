using System.Collections.Concurrent;

namespace TwinGuard.Ingest.Modbus;

/// <summary>Live counters of Modbus polling and of the guards; thread-safe, lock-free on the request path.</summary>
public sealed class ModbusMetrics
{
    private readonly ConcurrentDictionary<string, ModbusDeviceHealth> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ModbusClientActivity> _clients = new(StringComparer.Ordinal);
    private long _polls;
    private long _pollFailures;
    private long _connections;
    private long _connectionsRefused;
    private long _idleClosed;
    private long _requests;
    private long _forwarded;
    private long _refused;
    private long _malformed;
    private long _upstreamFailures;

    /// <summary>Polls that read every point of their device.</summary>
    public long Polls => Interlocked.Read(ref _polls);

    /// <summary>Polls that failed (timeout, no connection, invalid or exception response).</summary>
    public long PollFailures => Interlocked.Read(ref _pollFailures);

    /// <summary>Client connections the guards accepted.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Client connections closed at once because a guard had too many open.</summary>
    public long ConnectionsRefused => Interlocked.Read(ref _connectionsRefused);

    /// <summary>Client connections the guards closed after <see cref="ModbusGuard.IdleTimeout"/> without a request.</summary>
    public long IdleClosed => Interlocked.Read(ref _idleClosed);

    /// <summary>Requests the guards received (whole frames).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests forwarded to the device and answered.</summary>
    public long Forwarded => Interlocked.Read(ref _forwarded);

    /// <summary>Requests refused with an exception response.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Frames whose MBAP header could not be trusted; their connection was closed.</summary>
    public long MalformedFrames => Interlocked.Read(ref _malformed);

    /// <summary>Allowed requests the device did not answer properly (answered with exception 0B).</summary>
    public long UpstreamFailures => Interlocked.Read(ref _upstreamFailures);

    /// <summary>The last known health of each polled device.</summary>
    public IReadOnlyDictionary<string, ModbusDeviceHealth> Devices => _devices;

    /// <summary>What each client (by source id: the client id, or <c>modbus-client:ADDRESS</c>) did through the guards.</summary>
    public IReadOnlyDictionary<string, ModbusClientActivity> Clients => _clients;

    internal ModbusClientActivity Client(string sourceId) => _clients.GetOrAdd(sourceId, static _ => new ModbusClientActivity());

    internal void CountPoll(string device, DateTimeOffset now)
    {
        Interlocked.Increment(ref _polls);
        _devices[device] = new ModbusDeviceHealth(true, 0, null, now);
    }

    /// <summary>Counts a failed poll; returns true when the device was healthy before (a new outage).</summary>
    internal bool CountPollFailure(string device, string error)
    {
        Interlocked.Increment(ref _pollFailures);
        var before = _devices.GetValueOrDefault(device);
        _devices[device] = new ModbusDeviceHealth(false, (before?.ConsecutiveFailures ?? 0) + 1, error, before?.LastSuccess);
        return before is null || before.Reachable;
    }

    internal void CountConnection() => Interlocked.Increment(ref _connections);

    internal void CountConnectionRefused() => Interlocked.Increment(ref _connectionsRefused);

    internal void CountIdleClosed() => Interlocked.Increment(ref _idleClosed);

    internal void CountRequest() => Interlocked.Increment(ref _requests);

    internal void CountForwarded() => Interlocked.Increment(ref _forwarded);

    internal void CountRefused() => Interlocked.Increment(ref _refused);

    internal void CountMalformed() => Interlocked.Increment(ref _malformed);

    internal void CountUpstreamFailure() => Interlocked.Increment(ref _upstreamFailures);
}

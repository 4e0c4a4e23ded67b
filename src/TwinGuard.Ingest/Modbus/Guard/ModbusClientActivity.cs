namespace TwinGuard.Ingest.Modbus;

/// <summary>Counters of one client's requests through the guards: what it read, wrote and was refused.</summary>
/// <remarks>Reads are not findings (an HMI polls all day); these counters are where they show.</remarks>
public sealed class ModbusClientActivity
{
    private long _reads;
    private long _writes;
    private long _refused;
    private long _lastTicks;

    /// <summary>Forwarded requests that read (function codes 1-4, and 23).</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Forwarded requests that wrote (function codes 5, 6, 15, 16, and 23).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Requests refused with an exception response.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Timestamp (of the guard's <see cref="TimeProvider"/>) of the client's last request; 0 before any.</summary>
    public long LastRequestTimestamp => Interlocked.Read(ref _lastTicks);

    internal void CountForwarded(ModbusRequest request, long timestamp)
    {
        if (request.ReadQuantity > 0)
        {
            Interlocked.Increment(ref _reads);
        }

        if (request.Writes)
        {
            Interlocked.Increment(ref _writes);
        }

        Interlocked.Exchange(ref _lastTicks, timestamp);
    }

    internal void CountRefused(long timestamp)
    {
        Interlocked.Increment(ref _refused);
        Interlocked.Exchange(ref _lastTicks, timestamp);
    }
}

namespace TwinGuard.Ingest.Modbus;

/// <summary>Timeouts and reconnection back-off of a <see cref="ModbusTcpClient"/>.</summary>
/// <param name="Timeout">Longest wait for a connection, or for a complete response to one request.</param>
/// <param name="InitialBackoff">Wait after the first failure before the next connection attempt; doubles on each failure.</param>
/// <param name="MaxBackoff">Longest wait between connection attempts.</param>
public sealed record ModbusClientOptions(TimeSpan Timeout, TimeSpan InitialBackoff, TimeSpan MaxBackoff)
{
    /// <summary>1 s timeout, back-off from 100 ms to 10 s.</summary>
    public static ModbusClientOptions Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));
}

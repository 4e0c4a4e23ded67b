namespace TwinGuard.Simulator.Devices;

/// <summary>How a device writes the <c>ts</c> member of its readings (both are allowed by docs/readings.md).</summary>
public enum TimestampFormat
{
    /// <summary>Unix epoch milliseconds, a JSON integer.</summary>
    UnixMilliseconds,

    /// <summary>An RFC 3339 string in UTC with milliseconds, e.g. <c>2026-11-26T00:00:00.123Z</c>.</summary>
    Rfc3339,
}

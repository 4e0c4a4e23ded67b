namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>DateTime on the wire: 100 ns intervals since 1601-01-01 UTC (OPC 10000-6 §5.2.2.5).</summary>
public static class UaDateTime
{
    private static readonly long Epoch = new DateTime(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    /// <summary>The wire value of <paramref name="time"/>; null is 0.</summary>
    public static long ToWire(DateTimeOffset? time) => time is { } t ? Math.Max(0, t.UtcTicks - Epoch) : 0;

    /// <summary>The time a wire value stands for; 0 and values out of range are null (§5.2.2.5: "not specified").</summary>
    public static DateTimeOffset? FromWire(long value) =>
        value <= 0 || value == long.MaxValue || value > DateTime.MaxValue.Ticks - Epoch ? null : new DateTimeOffset(value + Epoch, TimeSpan.Zero);
}

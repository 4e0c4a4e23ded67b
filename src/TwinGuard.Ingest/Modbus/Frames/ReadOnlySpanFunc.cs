namespace TwinGuard.Ingest.Modbus;

/// <summary>Makes a value out of a span (a response PDU that lives only as long as the call).</summary>
public delegate T ReadOnlySpanFunc<out T>(ReadOnlySpan<byte> span);

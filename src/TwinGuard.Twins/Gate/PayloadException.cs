namespace TwinGuard.Twins.Gate;

/// <summary>A payload that is not a reading as docs/readings.md defines it; the message says what is wrong.</summary>
public sealed class PayloadException(string message) : FormatException(message);

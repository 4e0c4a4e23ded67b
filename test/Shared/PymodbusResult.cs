using System.Text.Json;

namespace TwinGuard.Testing;

/// <summary>What pymodbus_client.py reported: registers read, an exception code, or an error.</summary>
internal sealed record PymodbusResult(bool Ok, int[] Registers, int? Exception, string? Error)
{
    public static PymodbusResult Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        return new PymodbusResult(
            root.GetProperty("ok").GetBoolean(),
            root.TryGetProperty("registers", out var r) ? r.EnumerateArray().Select(e => e.GetInt32()).ToArray() : [],
            root.TryGetProperty("exception", out var e) ? e.GetInt32() : null,
            root.TryGetProperty("error", out var err) ? err.GetString() : null);
    }
}

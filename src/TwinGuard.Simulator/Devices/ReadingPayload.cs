using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace TwinGuard.Simulator.Devices;

/// <summary>Writes readings in the format of docs/readings.md.</summary>
internal static class ReadingPayload
{
    /// <summary><c>{"ts": ..., "seq": N, "values": {"name": v, ...}}</c> for <c>plant/&lt;asset&gt;</c>.</summary>
    public static byte[] Multi(DateTimeOffset ts, TimestampFormat format, long seq, IReadOnlyList<string> names, IReadOnlyList<double> values)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + (names.Count * 32));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteHeader(writer, ts, format, seq);
            writer.WriteStartObject("values");
            for (var i = 0; i < names.Count; i++)
            {
                writer.WriteNumber(names[i], values[i]);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary><c>{"ts": ..., "seq": N, "value": v}</c> for <c>plant/&lt;asset&gt;/&lt;signal&gt;</c>.</summary>
    public static byte[] Single(DateTimeOffset ts, TimestampFormat format, long seq, double value)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteHeader(writer, ts, format, seq);
            writer.WriteNumber("value", value);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteHeader(Utf8JsonWriter writer, DateTimeOffset ts, TimestampFormat format, long seq)
    {
        if (format == TimestampFormat.UnixMilliseconds)
        {
            writer.WriteNumber("ts", ts.ToUnixTimeMilliseconds());
        }
        else
        {
            // RFC 3339 §5.6 date-time with a "Z" time-offset.
            writer.WriteString("ts", ts.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }

        writer.WriteNumber("seq", seq);
    }
}

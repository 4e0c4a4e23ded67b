using System.Text.Json;

namespace TwinGuard.Ingest;

/// <summary>Writes values into readings of docs/readings.md for the transports that build them (Modbus, OPC UA).</summary>
internal static class ReadingJson
{
    /// <summary>
    /// Writes <paramref name="value"/> so that the gate judges it as it would from MQTT: a finite number as itself,
    /// infinity as an overflowing number, NaN as a non-number.
    /// </summary>
    public static void WriteValue(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else if (double.IsNaN(value))
        {
            writer.WriteStringValue("NaN");
        }
        else
        {
            writer.WriteRawValue(value > 0 ? "1e999"u8 : "-1e999"u8, skipInputValidation: true);
        }
    }
}

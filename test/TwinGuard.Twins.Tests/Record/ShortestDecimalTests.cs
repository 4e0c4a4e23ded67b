using System.Globalization;
using System.Text;
using System.Text.Json;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Tests.Record;

/// <summary>
/// The ledger's fast number formatting against the runtime's shortest round-trip formatting, over the values readings
/// carry and the edges where the two could part (magnitudes where an exponent starts, ties, values that are not short).
/// </summary>
public sealed class ShortestDecimalTests
{
    [Fact]
    public void TryFormat_ReadingsOfFewDecimals_HandledAndIdenticalToTheRuntime()
    {
        var random = new Random(5);
        var (eligible, handled) = (0, 0);
        for (var i = 0; i < 200_000; i++)
        {
            // A sensor's value as a device prints it: up to 6 decimals, any sign, below 1e9.
            var decimals = random.Next(0, 7);
            var text = ((random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-3, 10))).ToString("F" + decimals, CultureInfo.InvariantCulture);
            var value = double.Parse(text, CultureInfo.InvariantCulture);
            eligible += Math.Abs(value) >= 1e-4 ? 1 : 0;
            handled += Check(value) ? 1 : 0;
        }

        // Every one from 1e-4 on is handled (below, and zero, are the runtime's), and written as the runtime writes it.
        Assert.True(eligible > 150_000, $"only {eligible} values from 1e-4 on");
        Assert.Equal(eligible, handled);
    }

    [Fact]
    public void TryFormat_ArbitraryDoublesAndEdges_IdenticalWheneverHandled()
    {
        var random = new Random(9);
        var values = new List<double>
        {
            0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, double.MaxValue, double.MinValue,
            1e-4, 9.999999999999999e-5, 0.00010000000000000002, 1e-5, 1.5e-5, 0.0001234, 1e15, 999999999999999.9, 1e15 - 0.125, 1e14,
            0.1, 0.2, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, 100, 1e9, 123456789.123456789, 4503599627370495.5, 9007199254740993,
            5e-324, 1.7976931348623157e308, 0.3, -0.3, 2870.5, 112.25, 2.731, 63.2, -1e-7,
        };
        for (var i = 0; i < 200_000; i++)
        {
            values.Add(BitConverter.Int64BitsToDouble(random.NextInt64())); // any double at all
            values.Add((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 17))); // full-precision doubles
            values.Add(Math.Round(random.NextDouble() * 1000, random.Next(0, 10)) + (random.Next(2) * 1e-12)); // near-short ones
        }

        foreach (var value in values)
        {
            Check(value);
        }
    }

    /// <summary>Asserts that a value the formatter handles comes out as the runtime and the JSON writer write it.</summary>
    private static bool Check(double value)
    {
        Span<byte> buffer = stackalloc byte[ShortestDecimal.MaxLength];
        if (!ShortestDecimal.TryFormat(value, buffer, out var written))
        {
            return false;
        }

        var ours = Encoding.UTF8.GetString(buffer[..written]);
        Assert.Equal(value.ToString("R", CultureInfo.InvariantCulture), ours);
        Assert.Equal(JsonSerializer.Serialize(value), ours);
        return true;
    }
}

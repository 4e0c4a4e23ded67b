namespace TwinGuard.Twins.Record;

/// <summary>
/// Writes a double in UTF-8 exactly as .NET's shortest round-trip formatting does (<c>double.TryFormat</c>, which
/// <see cref="System.Text.Json.Utf8JsonWriter"/> uses), for the values readings carry: fixed-point numbers of a few
/// decimals. Everything else is left to the runtime's formatter.
/// </summary>
/// <remarks>
/// <para>Why: a reading-batch ledger entry formats every value of every message, and the runtime's general shortest
/// formatting (Grisu, with Dragon4 behind it) was the largest single cost of writing the entry (<c>bench twin-path</c>).</para>
/// <para>How it stays identical: for k = 0, 1, 2, ... decimals it takes the integers m nearest |value|·10^k and keeps
/// m/10^k only when exactly one of them reads back as the value. m and 10^k are exact doubles, so their IEEE quotient is
/// the double nearest the decimal m/10^k: the double any correct parser reads from that text. The first k with a
/// reading-back candidate has the fewest digits (the integer part is fixed, every integer below 2^53 being a double of
/// its own); a unique candidate leaves no tie for the runtime to break. More than one candidate, a magnitude where the
/// runtime writes an exponent (below 1e-4, from 1e15), zero (its sign), NaN and infinities: not handled, the caller
/// formats as before.</para>
/// </remarks>
internal static class ShortestDecimal
{
    /// <summary>Decimals tried at most: a reading's value has few.</summary>
    private const int MaxDecimals = 9;

    /// <summary>Largest scaled value tried: well inside the doubles that hold every integer exactly (2^53).</summary>
    private const double MaxScaled = 4503599627370496.0; // 2^52

    private static readonly double[] PowersOfTen = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

    /// <summary>Most bytes written: a sign, 16 digits, a point and the leading zeros of a value below 1.</summary>
    public const int MaxLength = 32;

    /// <summary>Formats <paramref name="value"/> into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes).</summary>
    /// <returns>False when the value is not one this formatter handles: format it with the runtime's formatter.</returns>
    public static bool TryFormat(double value, Span<byte> destination, out int written)
    {
        written = 0;
        var magnitude = Math.Abs(value);
        if (!(magnitude >= 1e-4 && magnitude < 1e15) || destination.Length < MaxLength)
        {
            return false; // NaN fails both comparisons
        }

        for (var k = 0; k <= MaxDecimals; k++)
        {
            var power = PowersOfTen[k];
            var scaled = magnitude * power;
            if (scaled >= MaxScaled)
            {
                return false;
            }

            var m = Math.Round(scaled);
            var (below, at, above) = ((m - 1) / power == magnitude, m / power == magnitude, (m + 1) / power == magnitude);
            var readingBack = (below ? 1 : 0) + (at ? 1 : 0) + (above ? 1 : 0);
            if (readingBack == 0)
            {
                continue;
            }

            if (readingBack > 1)
            {
                return false; // a tie the runtime breaks by closeness: its own formatter decides
            }

            var digits = (long)(below ? m - 1 : above ? m + 1 : m);
            written = Write(value < 0, digits, k, destination);
            return true;
        }

        return false;
    }

    /// <summary>Writes <paramref name="digits"/>·10^-<paramref name="decimals"/> in fixed-point, as the runtime does.</summary>
    private static int Write(bool negative, long digits, int decimals, Span<byte> destination)
    {
        Span<byte> text = stackalloc byte[20];
        var length = 0;
        do
        {
            text[length++] = (byte)('0' + (digits % 10));
            digits /= 10;
        }
        while (digits > 0);

        // text holds the digits in reverse; a value below 1 gets its leading "0." and zeros.
        while (length <= decimals)
        {
            text[length++] = (byte)'0';
        }

        var at = 0;
        if (negative)
        {
            destination[at++] = (byte)'-';
        }

        for (var i = length - 1; i >= 0; i--)
        {
            destination[at++] = text[i];
            if (i == decimals && decimals > 0)
            {
                destination[at++] = (byte)'.';
            }
        }

        return at;
    }
}

using System.Globalization;

namespace TwinGuard.Twins.Plant;

/// <summary>Durations as people write them in configuration and on the command line: <c>250ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, <c>1d</c>.</summary>
public static class DurationText
{
    /// <summary>Parses a duration; false when the text is not one.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        var unitStart = text.Length;
        while (unitStart > 0 && char.IsAsciiLetter(text[unitStart - 1]))
        {
            unitStart--;
        }

        if (!double.TryParse(text.AsSpan(0, unitStart), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            || !double.IsFinite(number) || number < 0)
        {
            return false;
        }

        double? milliseconds = text[unitStart..] switch
        {
            "ms" => number,
            "s" => number * 1000,
            "m" or "min" => number * 60_000,
            "h" => number * 3_600_000,
            "d" => number * 86_400_000,
            _ => null,
        };
        if (milliseconds is not { } ms || ms > TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    /// <summary>Parses a duration or throws a <see cref="FormatException"/> that names the text.</summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not a duration such as 250ms, 5s, 2m or 1h");
}

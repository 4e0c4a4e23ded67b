using System.Globalization;

namespace TwinGuard.Twins.Compliance;

/// <summary>The time a report covers: ledger entries with <see cref="From"/> &lt;= timestamp &lt; <see cref="To"/>.</summary>
/// <param name="From">First instant included, or null for the ledger's beginning.</param>
/// <param name="To">First instant excluded, or null for the newest signed checkpoint.</param>
public sealed record CompliancePeriod(DateTimeOffset? From, DateTimeOffset? To)
{
    /// <summary>The whole ledger.</summary>
    public static CompliancePeriod All { get; } = new(null, null);

    /// <summary>True when <paramref name="time"/> is in the period.</summary>
    public bool Contains(DateTimeOffset time) => (From is null || time >= From) && (To is null || time < To);

    /// <summary>
    /// Parses <c>--from</c>/<c>--to</c>: a date (<c>2026-12-01</c>, UTC; as <c>--to</c> the whole day is included) or an
    /// RFC 3339 time with an offset.
    /// </summary>
    /// <exception cref="FormatException">A text is neither; the message names it.</exception>
    public static CompliancePeriod Parse(string? from, string? to)
    {
        var start = from is null ? (DateTimeOffset?)null : Instant(from, "--from", endOfDay: false);
        var end = to is null ? (DateTimeOffset?)null : Instant(to, "--to", endOfDay: true);
        return start is { } s && end is { } e && e <= s
            ? throw new FormatException($"--to {to} is not after --from {from}")
            : new CompliancePeriod(start, end);
    }

    private static DateTimeOffset Instant(string text, string option, bool endOfDay)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return endOfDay ? start.AddDays(1) : start;
        }

        return text.Contains('T', StringComparison.Ordinal)
               && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
               && (text.EndsWith('Z') || text.LastIndexOfAny(['+', '-']) > text.IndexOf('T', StringComparison.Ordinal))
            ? time.ToUniversalTime()
            : throw new FormatException($"{option} '{text}': expected a date (2026-12-01) or an RFC 3339 time with an offset");
    }

    /// <summary>The period for people: <c>2026-12-01T00:00:00Z .. 2026-12-02T00:00:00Z</c>.</summary>
    public override string ToString() =>
        $"{(From is { } f ? f.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "beginning")} .. "
        + (To is { } t ? t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "newest checkpoint");
}

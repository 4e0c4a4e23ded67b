using System.Globalization;
using System.Text.Json;

namespace TwinGuard.Intel.Formats;

/// <summary>Timestamps as feeds write them: Unix seconds (number or string) or ISO 8601 / RFC 3339 text.</summary>
internal static class FeedTime
{
    public static bool TryParse(JsonElement element, out DateTimeOffset? time)
    {
        time = null;
        switch (element.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return true;
            case JsonValueKind.Number when element.TryGetDouble(out var seconds):
                return TryFromUnix(seconds, out time);
            case JsonValueKind.String:
                return TryParse(element.GetString()!, out time);
            default:
                return false;
        }
    }

    public static bool TryParse(string text, out DateTimeOffset? time)
    {
        time = null;
        text = text.Trim();
        if (text.Length == 0)
        {
            return true;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TryFromUnix(seconds, out time);
        }

        // MISP writes microseconds ("2021-04-08T09:52:48.123456+00:00"); STIX writes RFC 3339 with "Z".
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            time = parsed;
            return true;
        }

        return false;
    }

    private static bool TryFromUnix(double seconds, out DateTimeOffset? time)
    {
        time = null;
        if (!double.IsFinite(seconds) || seconds < 0 || seconds > 253402300799)
        {
            return false;
        }

        time = DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        return true;
    }
}

namespace TwinGuard.Twins.Plant;

/// <summary>MQTT topic filters and matching, as MQTT 3.1.1 §4.7 and MQTT 5.0 §4.7 define them.</summary>
public static class TopicFilter
{
    /// <summary>True when <paramref name="filter"/> is a well-formed topic filter.</summary>
    /// <remarks>[MQTT-4.7.1-2] '#' must be the last character and alone in its level; [MQTT-4.7.1-3] '+' must fill a whole level.</remarks>
    public static bool IsValid(string filter)
    {
        if (filter.Length == 0)
        {
            return false;
        }

        var levels = filter.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('#', StringComparison.Ordinal) && (level != "#" || i != levels.Length - 1))
            {
                return false;
            }

            if (level.Contains('+', StringComparison.Ordinal) && level != "+")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="topic"/> (no wildcards) matches <paramref name="filter"/>.</summary>
    public static bool Matches(ReadOnlySpan<char> filter, ReadOnlySpan<char> topic)
    {
        while (true)
        {
            var fEnd = filter.IndexOf('/');
            var tEnd = topic.IndexOf('/');
            var fLevel = fEnd < 0 ? filter : filter[..fEnd];
            var tLevel = tEnd < 0 ? topic : topic[..tEnd];

            if (fLevel is "#")
            {
                return true; // [MQTT-4.7.1-2] '#' matches the parent level and any number of child levels.
            }

            if (!(fLevel is "+" || fLevel.SequenceEqual(tLevel)))
            {
                return false;
            }

            if (fEnd < 0 || tEnd < 0)
            {
                // Both at their last level: a match. Filter longer by exactly "/#": also a match ("a/#" matches "a").
                return (fEnd < 0 && tEnd < 0) || (tEnd < 0 && filter[(fEnd + 1)..] is "#");
            }

            filter = filter[(fEnd + 1)..];
            topic = topic[(tEnd + 1)..];
        }
    }

    /// <summary>
    /// True when every topic <paramref name="requested"/> matches is also matched by <paramref name="granted"/>: a
    /// SUBSCRIBE to <paramref name="requested"/> reveals nothing beyond the grant.
    /// </summary>
    public static bool Covers(string granted, string requested)
    {
        var g = granted.Split('/');
        var r = requested.Split('/');
        for (var i = 0; i < g.Length; i++)
        {
            if (g[i] == "#")
            {
                return true;
            }

            if (i >= r.Length)
            {
                return false;
            }

            var covered = g[i] == "+" ? r[i] != "#" : g[i] == r[i] && r[i] is not ("+" or "#");
            if (!covered)
            {
                return false;
            }
        }

        return g.Length == r.Length;
    }

    /// <summary>
    /// True when a PUBLISH topic name holds a wildcard or U+0000: [MQTT-3.3.2-2] (3.1.1) and MQTT 5.0 §3.3.2.1 forbid
    /// wildcards in a topic name, [MQTT-1.5.3-2] forbids U+0000 in any UTF-8 string; either is a protocol violation.
    /// </summary>
    public static bool IsInvalidTopicName(ReadOnlySpan<char> topic) => topic.IsEmpty || topic.IndexOfAny('+', '#', '\0') >= 0;
}

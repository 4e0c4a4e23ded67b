namespace TwinGuard.Simulator.Attacks;

/// <summary>The fixed names of the attacks (as in <c>twinguard demo --attacks</c>) and their parsing.</summary>
public static class AttackNames
{
    /// <summary><see cref="AttackKind.Spike"/>.</summary>
    public const string Spike = "spike";

    /// <summary><see cref="AttackKind.Frozen"/>.</summary>
    public const string Frozen = "frozen";

    /// <summary><see cref="AttackKind.Drift"/>.</summary>
    public const string Drift = "drift";

    /// <summary><see cref="AttackKind.Replay"/>.</summary>
    public const string Replay = "replay";

    /// <summary><see cref="AttackKind.Flood"/>.</summary>
    public const string Flood = "flood";

    /// <summary><see cref="AttackKind.UnknownDevice"/>.</summary>
    public const string UnknownDevice = "unknown-device";

    /// <summary><see cref="AttackKind.WrongTopic"/>.</summary>
    public const string WrongTopic = "wrong-topic";

    /// <summary>Every attack name, in a fixed order.</summary>
    public static readonly IReadOnlyList<string> All = [Spike, Frozen, Drift, Replay, Flood, UnknownDevice, WrongTopic];

    /// <summary>The kind an attack name stands for.</summary>
    /// <exception cref="FormatException">The name is not one of <see cref="All"/>.</exception>
    public static AttackKind KindOf(string name) => name switch
    {
        Spike => AttackKind.Spike,
        Frozen => AttackKind.Frozen,
        Drift => AttackKind.Drift,
        Replay => AttackKind.Replay,
        Flood => AttackKind.Flood,
        UnknownDevice => AttackKind.UnknownDevice,
        WrongTopic => AttackKind.WrongTopic,
        _ => throw new FormatException($"unknown attack '{name}'; known: all, none, {string.Join(", ", All)}"),
    };

    /// <summary>The name of an attack kind.</summary>
    public static string NameOf(AttackKind kind) => All[(int)kind];

    /// <summary>
    /// Parses <c>all</c>, <c>none</c> or a comma-separated list of names (duplicates removed, order of <see cref="All"/>).
    /// </summary>
    /// <exception cref="FormatException">An entry is empty or not a known name; the message names it.</exception>
    public static IReadOnlyList<string> Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var trimmed = spec.Trim();
        if (trimmed.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return All;
        }

        if (trimmed.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        var wanted = new HashSet<AttackKind>();
        var parts = trimmed.Split(',');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i].Trim().ToLowerInvariant();
            if (part.Length == 0)
            {
                throw new FormatException($"attack list '{spec}': entry {i + 1} is empty; expected all, none or names separated by commas");
            }

            wanted.Add(KindOf(part));
        }

        return All.Where(n => wanted.Contains(KindOf(n))).ToArray();
    }
}

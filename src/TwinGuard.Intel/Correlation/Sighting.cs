using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Correlation;

/// <summary>Our own observation of an indicator's value, to share with other sites.</summary>
/// <param name="Atom">The value.</param>
/// <param name="FirstSeen">First time we saw it.</param>
/// <param name="LastSeen">Last time we saw it.</param>
/// <param name="Count">How many times.</param>
/// <param name="Note">What we saw, for people (e.g. <c>quarantined device plc-7</c>).</param>
public sealed record Sighting(IndicatorAtom Atom, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, int Count, string? Note)
{
    /// <summary>Whether the address was a source (a connecting device) rather than a destination.</summary>
    public bool IsSource { get; init; }
}

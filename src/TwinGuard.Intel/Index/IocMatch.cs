using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Index;

/// <summary>A looked-up value that an indicator names.</summary>
/// <param name="Indicator">The indicator that matched (the heaviest one when several did).</param>
/// <param name="Kind">Whether it matched exactly, by network or by parent domain.</param>
/// <param name="Weight">Confidence decayed by age at the time of the lookup, 0..1.</param>
public sealed record IocMatch(Indicator Indicator, MatchKind Kind, double Weight)
{
    /// <summary>The value that was looked up, as given; null for address lookups (the caller has the address).</summary>
    public string? LookedUp { get; init; }
}

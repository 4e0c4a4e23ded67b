namespace TwinGuard.Intel.Index;

/// <summary>How the IOC index ages indicators.</summary>
public sealed record IocIndexOptions
{
    /// <summary>The clock that lookups without an explicit time use.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Age after which an indicator's weight has halved (age counts from its last sighting).</summary>
    /// <value>30 days.</value>
    public TimeSpan HalfLife { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Below this weight an indicator has decayed away and no longer matches.</summary>
    /// <value>0.05 (about four and a half half-lives for a fully trusted indicator).</value>
    public double MinimumWeight { get; init; } = 0.05;
}

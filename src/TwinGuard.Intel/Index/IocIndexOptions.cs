namespace TwinGuard.Intel.Index;

/// <summary>How the IOC index ages indicators.</summary>
public sealed record IocIndexOptions
{
    /// <summary>The clock that lookups without an explicit time use.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Age after which an address indicator's weight has halved (age counts from its last sighting).</summary>
    /// <value>30 days: addresses change hands quickly.</value>
    public TimeSpan HalfLife { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Half-life of domain, host name and URL indicators.</summary>
    /// <value>90 days.</value>
    public TimeSpan NameHalfLife { get; init; } = TimeSpan.FromDays(90);

    /// <summary>Half-life of file hash indicators; null for none (a file's hash names it for ever).</summary>
    /// <value>Null.</value>
    public TimeSpan? HashHalfLife { get; init; }

    /// <summary>The half-life that applies to an indicator type; null when it does not decay.</summary>
    public TimeSpan? HalfLifeOf(Indicators.IndicatorType type) => type switch
    {
        Indicators.IndicatorType.IPAddress => HalfLife,
        Indicators.IndicatorType.Domain or Indicators.IndicatorType.Hostname or Indicators.IndicatorType.Url => NameHalfLife,
        _ => HashHalfLife,
    };

    /// <summary>Below this weight an indicator has decayed away and no longer matches.</summary>
    /// <value>0.05 (about four and a half half-lives for a fully trusted indicator).</value>
    public double MinimumWeight { get; init; } = 0.05;
}

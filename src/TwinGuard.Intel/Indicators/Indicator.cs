namespace TwinGuard.Intel.Indicators;

/// <summary>An indicator of compromise as a feed stated it, normalised for matching.</summary>
/// <param name="Type">What kind of observable <paramref name="Value"/> is.</param>
/// <param name="Value">The canonical value (see <see cref="IndicatorValue.TryNormalize"/>).</param>
/// <param name="FeedId">The feed it came from.</param>
/// <param name="SourceId">Where in the feed: MISP attribute uuid, STIX indicator id, or CSV file and line.</param>
/// <remarks>
/// <see cref="LastSeen"/> (or, failing that, <see cref="FirstSeen"/> or <see cref="ValidFrom"/>) is the reference time
/// from which the index decays the indicator's weight; <see cref="ValidUntil"/> ends it outright.
/// </remarks>
public sealed record Indicator(IndicatorType Type, string Value, string FeedId, string SourceId)
{
    /// <summary>When the observable was first seen in the wild, if the feed says.</summary>
    public DateTimeOffset? FirstSeen { get; init; }

    /// <summary>When the observable was last seen in the wild, if the feed says.</summary>
    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>From when the indicator applies (STIX <c>valid_from</c>).</summary>
    public DateTimeOffset? ValidFrom { get; init; }

    /// <summary>Until when the indicator applies (STIX <c>valid_until</c>); it never matches after this.</summary>
    public DateTimeOffset? ValidUntil { get; init; }

    /// <summary>The feed's confidence in the indicator, 0..1.</summary>
    /// <value>1 when the feed does not say.</value>
    public double Confidence { get; init; } = 1.0;

    /// <summary>A human-readable description (MISP event info, STIX name, CSV comment).</summary>
    public string? Description { get; init; }

    /// <summary>Tags the feed attached (MISP tags, STIX labels).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Assets the feed says are targeted: <c>kind:plc</c>, <c>tag:line-3</c>, <c>asset:press-1</c>.</summary>
    /// <remarks>Feeds state them with the MISP tag <c>twinguard:target="kind:plc"</c>, the STIX property
    /// <c>x_twinguard_targets</c>, or the CSV column <c>targets</c>; see docs/intel.md.</remarks>
    public IReadOnlyList<string> Targets { get; init; } = [];

    /// <summary>
    /// Other observables that must be seen together with this one (a STIX pattern joined by AND); empty when this
    /// value alone is the indicator.
    /// </summary>
    public IReadOnlyList<string> AlsoRequires { get; init; } = [];

    /// <summary>Whether this value alone proves the indicator (no <see cref="AlsoRequires"/>).</summary>
    public bool IsComplete => AlsoRequires.Count == 0;

    /// <summary>The typed value.</summary>
    public IndicatorAtom Atom => new(Type, Value);

    /// <summary>The time from which the weight decays: last seen, else first seen, else valid from.</summary>
    public DateTimeOffset? ReferenceTime => LastSeen ?? FirstSeen ?? ValidFrom;
}

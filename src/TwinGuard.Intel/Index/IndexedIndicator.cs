using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Index;

/// <summary>An indicator with its validity precomputed as ticks, and a reference time that sightings move forward.</summary>
internal sealed class IndexedIndicator(Indicator indicator, long referenceTicks, TimeSpan? halfLife)
{
    // long.MaxValue: no decay.
    private readonly long _halfLifeTicks = halfLife is { Ticks: > 0 } h ? h.Ticks : long.MaxValue;

    private long _referenceTicks = referenceTicks;

    public Indicator Indicator { get; } = indicator;

    public long ValidFromTicks { get; } = indicator.ValidFrom?.UtcTicks ?? long.MinValue;

    public long ValidUntilTicks { get; } = indicator.ValidUntil?.UtcTicks ?? long.MaxValue;

    public long ReferenceTicks => Volatile.Read(ref _referenceTicks);

    /// <summary>Moves the reference time forward (never back): the indicator was seen again.</summary>
    public void Refresh(long ticks)
    {
        var current = Volatile.Read(ref _referenceTicks);
        while (ticks > current)
        {
            var seen = Interlocked.CompareExchange(ref _referenceTicks, ticks, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>The weight at <paramref name="nowTicks"/>, or a negative number when the indicator does not apply then.</summary>
    public double WeightAt(long nowTicks, double minimumWeight)
    {
        if (nowTicks < ValidFromTicks || nowTicks >= ValidUntilTicks)
        {
            return -1;
        }

        var age = nowTicks - ReferenceTicks;
        var weight = age <= 0 || _halfLifeTicks == long.MaxValue
            ? Indicator.Confidence
            : Indicator.Confidence * double.Exp2(-(double)age / _halfLifeTicks);
        return weight >= minimumWeight ? weight : -1;
    }
}

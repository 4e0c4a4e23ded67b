namespace TwinGuard.Twins.Findings;

/// <summary>A lock-free latency histogram with logarithmic buckets (about 4 % resolution from 1 µs to 100 s).</summary>
public sealed class LatencyHistogram
{
    private const double Base = 1.04;
    private static readonly double LogBase = Math.Log(Base);
    private readonly long[] _buckets = new long[(int)(Math.Log(1e8) / Math.Log(Base)) + 2];
    private long _count;

    /// <summary>Observations recorded.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Records one latency.</summary>
    public void Record(TimeSpan latency)
    {
        var micros = Math.Max(latency.TotalMicroseconds, 1);
        var bucket = Math.Min((int)(Math.Log(micros) / LogBase), _buckets.Length - 1);
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Increment(ref _count);
    }

    /// <summary>The latency below which a fraction <paramref name="quantile"/> of observations fall (upper bucket edge).</summary>
    public TimeSpan Percentile(double quantile)
    {
        var total = Count;
        if (total == 0)
        {
            return TimeSpan.Zero;
        }

        var target = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= target)
            {
                return TimeSpan.FromMicroseconds(Math.Pow(Base, i + 1));
            }
        }

        return TimeSpan.FromMicroseconds(Math.Pow(Base, _buckets.Length));
    }

    /// <summary>Forgets every observation.</summary>
    public void Reset()
    {
        for (var i = 0; i < _buckets.Length; i++)
        {
            Interlocked.Exchange(ref _buckets[i], 0);
        }

        Interlocked.Exchange(ref _count, 0);
    }
}

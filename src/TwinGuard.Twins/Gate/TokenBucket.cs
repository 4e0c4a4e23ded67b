namespace TwinGuard.Twins.Gate;

/// <summary>
/// A token bucket on a <see cref="TimeProvider"/>: it refills at <c>ratePerSecond</c> up to <c>capacity</c>, and
/// remembers since when it has been short (a flood), until it fills up again.
/// </summary>
/// <remarks>
/// The one rate limit of the gate and the transports: <see cref="FloodGuard"/> keeps one per device and asset (a take
/// that finds too few tokens takes none), the MQTT broker one per connection for its refused publishes (a take always
/// succeeds and leaves a debt, repaid before the connection is read again). Thread-safe.
/// </remarks>
public sealed class TokenBucket
{
    private readonly Lock _lock = new();
    private readonly double _ratePerSecond;
    private readonly double _capacity;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _last;

    /// <summary>When the current flood began (the first take or check that found the bucket short); 0 when the bucket has filled up since.</summary>
    private long _floodStart;

    /// <summary>A full bucket of <paramref name="capacity"/> tokens that refills at <paramref name="ratePerSecond"/>.</summary>
    public TokenBucket(double ratePerSecond, double capacity, TimeProvider time)
    {
        (_ratePerSecond, _capacity, _time) = (ratePerSecond, capacity, time);
        _tokens = capacity;
        _last = time.GetTimestamp();
    }

    /// <summary>How long the bucket has been short without filling up again; zero when it is not.</summary>
    public TimeSpan FloodingFor()
    {
        lock (_lock)
        {
            Refill();
            return _floodStart == 0 ? TimeSpan.Zero : _time.GetElapsedTime(_floodStart);
        }
    }

    /// <summary>Takes <paramref name="count"/> tokens if there are as many; else takes none and says how long until there are.</summary>
    public bool TryTake(int count, out TimeSpan refill)
    {
        lock (_lock)
        {
            Refill();
            if (_tokens < count)
            {
                refill = TimeSpan.FromSeconds((count - _tokens) / _ratePerSecond);
                StartFlood();
                return false;
            }

            _tokens -= count;
            refill = TimeSpan.Zero;
            return true;
        }
    }

    /// <summary>
    /// Takes one token even when there is none: the bucket then owes it. Returns how long until the debt is repaid
    /// (zero while tokens last).
    /// </summary>
    public TimeSpan TakeOwing()
    {
        lock (_lock)
        {
            Refill();
            _tokens -= 1;
            if (_tokens >= 0)
            {
                return TimeSpan.Zero;
            }

            StartFlood();
            return TimeSpan.FromSeconds(-_tokens / _ratePerSecond);
        }
    }

    /// <summary>True when one token is there (none is taken); else how long until it is.</summary>
    public bool HasToken(out TimeSpan refill)
    {
        lock (_lock)
        {
            Refill();
            refill = _tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / _ratePerSecond);
            if (_tokens < 1)
            {
                StartFlood();
            }

            return _tokens >= 1;
        }
    }

    private void StartFlood()
    {
        if (_floodStart == 0)
        {
            _floodStart = _last;
        }
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_capacity, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _ratePerSecond));
        _last = now;
        if (_tokens >= _capacity)
        {
            _floodStart = 0; // quiet long enough to fill the bucket: whatever comes next is a new flood
        }
    }
}

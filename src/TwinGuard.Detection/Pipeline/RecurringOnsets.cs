namespace TwinGuard.Detection.Pipeline;

/// <summary>
/// Tells a routine from news among a stream's onsets: an event that comes back at the interval the stream's last events
/// kept (a nightly job's one-row spike, a batch every few hours) was seen before in this stream, however improbable
/// each spike is under the likelihood's normal distribution. Such a cycle need not show in the values'
/// autocorrelation (a one-row spike a day barely moves it), so <see cref="Profiling.ColumnProfiler"/> infers no period
/// for it; this looks at the onsets themselves, counting rows, with no timestamps.
/// </summary>
/// <remarks>
/// Onsets less than <c>sameEventRows</c> apart are one event (the state model's and the forecaster's likelihoods fire a
/// few rows apart on the same spike). An event is routine when each of the last <c>repeats</c> intervals between event
/// starts is within <c>tolerance</c> (a fraction) of the interval before it, and those intervals are at least
/// <c>minInterval</c> rows (closer events are one incident for the alarm rule anyway). The first events of a cycle are
/// therefore still news: a cycle must be seen <c>repeats</c> + 1 times before its next repeat is quiet, and an event off
/// the beat is news again. Memory: the last <c>repeats</c> + 2 event starts.
/// </remarks>
public sealed class RecurringOnsets
{
    private readonly double _tolerance;
    private readonly int _sameEventRows;
    private readonly long _minInterval;
    private readonly long[] _starts;
    private int _count;
    private long _row = -1;
    private long _lastOnset = -1;
    private bool _eventRoutine;

    /// <summary>Creates an empty history of events.</summary>
    /// <param name="tolerance">Fraction of an interval by which the next may differ and still keep the beat.</param>
    /// <param name="repeats">Consecutive intervals that must each keep the beat of the one before.</param>
    /// <param name="sameEventRows">Onsets at most this many rows after the last one belong to its event.</param>
    /// <param name="minInterval">Shortest interval between event starts that counts as a beat.</param>
    public RecurringOnsets(double tolerance, int repeats, int sameEventRows, int minInterval)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(tolerance, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repeats);
        ArgumentOutOfRangeException.ThrowIfNegative(sameEventRows);
        ArgumentOutOfRangeException.ThrowIfNegative(minInterval);
        _tolerance = tolerance;
        _sameEventRows = sameEventRows;
        _minInterval = minInterval;
        _starts = new long[repeats + 2];
    }

    /// <summary>Routine events seen (an event counts once, at its start).</summary>
    public long RoutineEvents { get; private set; }

    /// <summary>
    /// Takes the next row's onset decision and says whether the row is an onset that is news: false for no onset and
    /// for an onset of a routine event.
    /// </summary>
    public bool Next(bool onset)
    {
        _row++;
        if (!onset)
        {
            return false;
        }

        if (_lastOnset >= 0 && _row - _lastOnset <= _sameEventRows)
        {
            _lastOnset = _row;
            return !_eventRoutine;
        }

        _lastOnset = _row;
        Array.Copy(_starts, 1, _starts, 0, _starts.Length - 1);
        _starts[^1] = _row;
        _count = Math.Min(_count + 1, _starts.Length);
        _eventRoutine = _count == _starts.Length && KeepsTheBeat();
        RoutineEvents += _eventRoutine ? 1 : 0;
        return !_eventRoutine;
    }

    /// <summary>Forgets every event (a new stream).</summary>
    public void Reset()
    {
        Array.Clear(_starts);
        (_count, _row, _lastOnset, _eventRoutine) = (0, -1, -1, false);
        RoutineEvents = 0;
    }

    private bool KeepsTheBeat()
    {
        for (var k = _starts.Length - 1; k >= 2; k--)
        {
            var interval = _starts[k] - _starts[k - 1];
            var before = _starts[k - 1] - _starts[k - 2];
            if (before < _minInterval || Math.Abs(interval - before) > _tolerance * before)
            {
                return false;
            }
        }

        return true;
    }
}

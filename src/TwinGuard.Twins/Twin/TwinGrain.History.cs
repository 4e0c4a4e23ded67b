namespace TwinGuard.Twins.Twin;

/// <summary>A bounded ring of recent trusted readings per signal, for the API's charts.</summary>
/// <remarks>
/// Only values that reached the trusted state are kept, each with the baseline's expectation right after it, so a
/// chart can draw the expected band as it was. Each ring holds <see cref="HistorySpan"/> of its signal's period, at most
/// <see cref="HistoryCapacity"/> readings: memory is fixed per signal whatever the input rate, and a slow signal does not
/// hold the room of a fast one (a 1 s signal keeps 300 readings, 9.6 KB, not 1,200; measured by <c>bench twins</c>).
/// The ring is allocated on the first reading of a signal.
/// </remarks>
internal sealed partial class TwinGrain
{
    /// <summary>Readings kept per signal: five minutes at the sample plant's 250 ms period.</summary>
    public const int HistoryCapacity = 1200;

    /// <summary>How much of a signal's recent past its ring holds, in its periods.</summary>
    public static readonly TimeSpan HistorySpan = TimeSpan.FromMinutes(5);

    private HistoryRing[]? _history;

    /// <inheritdoc />
    public Task<SignalHistory?> GetHistoryAsync(string signalId, int max)
    {
        lock (_turn)
        {
            return Task.FromResult(History(signalId, max));
        }
    }

    private SignalHistory? History(string signalId, int max)
    {
        var index = _asset.IndexOf(signalId);
        if (index < 0)
        {
            return null;
        }

        var ring = _history?[index];
        var count = ring is null ? 0 : Math.Min(Math.Clamp(max, 0, HistoryCapacity), ring.Count);
        var capacity = ring?.Times.Length ?? 0;
        var (times, values, expected, spread) = (new long[count], new double[count], new double[count], new double[count]);
        for (var i = 0; i < count; i++)
        {
            // Oldest of the newest `count` first.
            var slot = (ring!.Next - count + i + capacity) % capacity;
            (times[i], values[i], expected[i], spread[i]) = (ring.Times[slot], ring.Values[slot], ring.Expected[slot], ring.Spread[slot]);
        }

        return new SignalHistory(_asset.Id, signalId, times, values, expected, spread);
    }

    private void RememberReading(int index, long timeMs, double value)
    {
        var rings = _history ??= new HistoryRing[_core.Signals.Length];
        var ring = rings[index] ??= new HistoryRing(
            (int)Math.Clamp(Math.Ceiling(HistorySpan / _asset.Signals[index].Period), 16, HistoryCapacity));
        var slot = ring.Next;
        ring.Times[slot] = timeMs;
        ring.Values[slot] = value;
        ring.Expected[slot] = _core.Detectors[index].Expected;
        ring.Spread[slot] = _core.Detectors[index].Spread;
        ring.Next = (slot + 1) % ring.Times.Length;
        ring.Count = Math.Min(ring.Count + 1, ring.Times.Length);
    }

    private sealed class HistoryRing(int capacity)
    {
        public long[] Times { get; } = new long[capacity];

        public double[] Values { get; } = new double[capacity];

        public double[] Expected { get; } = new double[capacity];

        public double[] Spread { get; } = new double[capacity];

        public int Next { get; set; }

        public int Count { get; set; }
    }
}

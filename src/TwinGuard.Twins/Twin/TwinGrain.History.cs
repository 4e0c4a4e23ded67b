namespace TwinGuard.Twins.Twin;

/// <summary>A bounded ring of recent trusted readings per signal, for the API's charts.</summary>
/// <remarks>
/// Only values that reached the trusted state are kept, each with the baseline's expectation right after it, so a
/// chart can draw the expected band as it was. Memory is fixed per signal whatever the input rate; the ring is
/// allocated on the first reading of a signal.
/// </remarks>
internal sealed partial class TwinGrain
{
    /// <summary>Readings kept per signal: five minutes at the sample plant's 250 ms period.</summary>
    public const int HistoryCapacity = 1200;

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
        var (times, values, expected, spread) = (new long[count], new double[count], new double[count], new double[count]);
        for (var i = 0; i < count; i++)
        {
            // Oldest of the newest `count` first.
            var slot = (ring!.Next - count + i + HistoryCapacity) % HistoryCapacity;
            (times[i], values[i], expected[i], spread[i]) = (ring.Times[slot], ring.Values[slot], ring.Expected[slot], ring.Spread[slot]);
        }

        return new SignalHistory(_asset.Id, signalId, times, values, expected, spread);
    }

    private void RememberReading(int index, long timeMs, double value)
    {
        var rings = _history ??= new HistoryRing[_core.Signals.Length];
        var ring = rings[index] ??= new HistoryRing();
        var slot = ring.Next;
        ring.Times[slot] = timeMs;
        ring.Values[slot] = value;
        ring.Expected[slot] = _core.Detectors[index].Expected;
        ring.Spread[slot] = _core.Detectors[index].Spread;
        ring.Next = (slot + 1) % HistoryCapacity;
        ring.Count = Math.Min(ring.Count + 1, HistoryCapacity);
    }

    private sealed class HistoryRing
    {
        public long[] Times { get; } = new long[HistoryCapacity];

        public double[] Values { get; } = new double[HistoryCapacity];

        public double[] Expected { get; } = new double[HistoryCapacity];

        public double[] Spread { get; } = new double[HistoryCapacity];

        public int Next { get; set; }

        public int Count { get; set; }
    }
}

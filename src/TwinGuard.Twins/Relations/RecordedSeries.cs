namespace TwinGuard.Twins.Relations;

/// <summary>Recorded values of a plant's signals over time, for calibration: one row per sample time, one column per
/// <c>asset.signal</c>, NaN where a signal has no value at that time.</summary>
/// <param name="TimesMs">Sample times (epoch milliseconds), strictly increasing.</param>
/// <param name="Columns">The <c>asset.signal</c> name of each column.</param>
/// <param name="Values">Values by row, then column.</param>
public sealed record RecordedSeries(IReadOnlyList<long> TimesMs, IReadOnlyList<string> Columns, IReadOnlyList<double[]> Values)
{
    /// <summary>The column of a signal, or −1.</summary>
    public int IndexOf(string signal)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (string.Equals(Columns[i], signal, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}

namespace TwinGuard.Detection.Features;

/// <summary>Where a window of lagged values lies in a feature row (see <see cref="TemporalFeatureOptions.Lags"/>).</summary>
/// <param name="Start">Index of the first lagged feature; the window runs to the end of the row.</param>
/// <param name="Steps">Rows in the window, oldest first: the last one is the current row.</param>
/// <param name="Channels">Values per row of the window (the input columns).</param>
public sealed record LagWindow(int Start, int Steps, int Channels)
{
    /// <summary>Features in the window.</summary>
    public int Length => Steps * Channels;
}

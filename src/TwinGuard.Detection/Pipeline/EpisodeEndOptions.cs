namespace TwinGuard.Detection.Pipeline;

/// <summary>
/// When a flagged episode ends although the score stays above the threshold (<see cref="EpisodeEnd"/>). Margins are
/// in natural log-odds of the score over the threshold's odds: 2 is a factor e² ≈ 7.4 of the odds, 1 a factor e.
/// </summary>
public sealed record EpisodeEndOptions
{
    /// <summary>
    /// An episode can end early only once its smoothed score has risen this far above the threshold; its flag ends
    /// when the score falls this far below that peak (and below <see cref="ReleaseMargin"/>).
    /// </summary>
    /// <value>2 (odds e² ≈ 7.4 times the peak's).</value>
    public double PeakMargin { get; init; } = 2.0;

    /// <summary>The flag ends only when the smoothed score is within this margin of the threshold.</summary>
    /// <value>1 (odds within a factor e of the threshold's).</value>
    public double ReleaseMargin { get; init; } = 1.0;

    /// <summary>
    /// After an episode has ended, flags stay off until the score is back within <see cref="PeakMargin"/> of the
    /// episode's peak, or until this many rows in a row were below the threshold (then the stream is back to normal
    /// and a new episode is judged afresh).
    /// </summary>
    /// <value>100.</value>
    public int ReturnRows { get; init; } = 100;
}

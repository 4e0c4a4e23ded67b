using TwinGuard.Detection.Features;

namespace TwinGuard.Detection.Sequence;

/// <summary>
/// A detector that reads a window of lagged values out of each feature row: the pipeline tells it where the window
/// lies before it is fitted (<see cref="TemporalFeatures.Lags"/>).
/// </summary>
public interface ISequenceDetector
{
    /// <summary>Where the window of lagged values lies in the rows this detector will be fitted on and score.</summary>
    LagWindow? Window { get; set; }
}

using TwinGuard.Detection.Baselines;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Detect;

/// <summary>The streaming detectors of one signal: an outlier test on changes and a CUSUM on the level.</summary>
/// <remarks>
/// <para>Outliers are scored on the first difference, not the level: operating changes (a new set-point) move the level
/// by many standard deviations but arrive through actuator lag as a ramp, while an injected spike is a jump. The
/// baseline of differences learns only from values it did not flag, so an attack cannot widen it.</para>
/// <para>Small persistent shifts (a drift, a bias) never jump: a two-sided CUSUM over the level's z-score against the
/// level baseline accumulates them faster than the baseline can follow (<see cref="CusumDetector"/>).</para>
/// </remarks>
internal sealed class SignalDetector(DetectionSettings settings, double minStdDev)
{
    private readonly EwmaBaseline _level = new(settings.EwmaAlpha, settings.WarmUp, minStdDev);
    private readonly EwmaBaseline _change = new(settings.EwmaAlpha, settings.WarmUp, minStdDev);
    private readonly CusumDetector _cusum = new(settings.CusumSlack, settings.CusumThreshold);
    private double _previous = double.NaN;

    /// <summary>The last z-score of the change, for explanations and the dashboard.</summary>
    public double LastZ { get; private set; }

    /// <summary>The level baseline's mean: the twin's expected value.</summary>
    public double Expected => _level.Mean;

    /// <summary>The level baseline's standard deviation: the width of the expected band.</summary>
    public double Spread => _level.StdDev;

    /// <summary>Scores one trusted value, learns from it when it is normal, and returns what it found.</summary>
    public (ReasonCode Reason, double Score, string Detail)? Observe(double value)
    {
        (ReasonCode, double, string)? found = null;
        if (!double.IsNaN(_previous))
        {
            var delta = value - _previous;
            LastZ = _change.Score(delta);
            if (Math.Abs(LastZ) > settings.ZThreshold)
            {
                found = (ReasonCode.StatisticalOutlier, Math.Abs(LastZ),
                    $"jump of {delta:G4} is {LastZ:F1} standard deviations from normal changes");
            }
            else
            {
                _change.Learn(delta);
            }
        }

        _previous = value;

        if (_level.IsWarm && found is null)
        {
            var z = _level.Score(value);
            var direction = _cusum.Update(z);
            if (direction != 0)
            {
                found = (ReasonCode.PersistentShift, settings.CusumThreshold,
                    $"persistent {(direction > 0 ? "upward" : "downward")} shift from {_level.Mean:G5} (CUSUM over {settings.CusumThreshold} sigma)");
            }
        }

        // The level baseline follows the process (set-point changes are normal), but never learns a jump it flagged:
        // an injected spike must not widen the band it is judged against. The change baseline above is guarded the same way.
        if (found is not { Item1: ReasonCode.StatisticalOutlier })
        {
            _level.Learn(value);
        }

        return found;
    }
}

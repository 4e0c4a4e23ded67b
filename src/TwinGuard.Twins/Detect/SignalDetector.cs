using TwinGuard.Detection.Baselines;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Detect;

/// <summary>The streaming detectors of one signal: an outlier test and a CUSUM, both on the signal's changes.</summary>
/// <remarks>
/// <para>Both work on the first difference, not the level: operating changes (a new set-point) move the level by many
/// standard deviations and for a long time, while the differences of a healthy signal stay centred and bounded.</para>
/// <para>An injected jump is an outlier among the differences. A drift or a growing bias never jumps, but it makes the
/// differences lean persistently to one side: the two-sided CUSUM (<see cref="CusumDetector"/>) accumulates that lean
/// faster than the baseline of differences can follow it.</para>
/// <para>The baseline of differences learns only from values it did not flag, so an attack cannot widen it. The level
/// baseline follows every trusted value and only serves as the twin's expected value and band.</para>
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

    /// <summary>What the detectors have learned: both baselines, the CUSUM's statistics and the previous value.</summary>
    public (EwmaCheckpoint Level, EwmaCheckpoint Change, double CusumUpper, double CusumLower, double Previous) Checkpoint() =>
        (_level.Checkpoint(), _change.Checkpoint(), _cusum.Upper, _cusum.Lower, _previous);

    /// <summary>Continues from a <see cref="Checkpoint"/> (a twin re-activated elsewhere or after a restart).</summary>
    /// <exception cref="ArgumentException">A baseline's checkpoint is not valid.</exception>
    public void Restore(EwmaCheckpoint level, EwmaCheckpoint change, double cusumUpper, double cusumLower, double previous)
    {
        _level.Restore(level);
        _change.Restore(change);
        _cusum.Restore(cusumUpper, cusumLower);
        _previous = double.IsFinite(previous) ? previous : double.NaN;
    }

    /// <summary>Scores one trusted value, learns from it when it is normal, and returns what it found.</summary>
    /// <param name="value">The value.</param>
    /// <param name="sensitivity">
    /// Divides both thresholds: the intelligence factor (<see cref="DetectionSensitivity"/>) over the analysts' raise
    /// (<see cref="DetectorTuning"/>); 1 as configured.
    /// </param>
    /// <param name="learn">False for a value an analyst confirmed as an attack's: scored, never learned as normal.</param>
    public (ReasonCode Reason, double Score, string Detail)? Observe(double value, double sensitivity = 1.0, bool learn = true)
    {
        (ReasonCode, double, string)? found = null;
        if (!double.IsNaN(_previous))
        {
            var delta = value - _previous;
            LastZ = _change.Score(delta);
            if (Math.Abs(LastZ) > settings.ZThreshold / sensitivity)
            {
                found = (ReasonCode.StatisticalOutlier, Math.Abs(LastZ),
                    $"jump of {delta:G4} is {LastZ:F1} standard deviations from normal changes");
            }
            else
            {
                if (_change.IsWarm && _cusum.Update(LastZ, sensitivity) is var direction and not 0)
                {
                    found = (ReasonCode.PersistentShift, settings.CusumThreshold,
                        $"persistent {(direction > 0 ? "upward" : "downward")} trend away from {_level.Mean:G5} (CUSUM of changes over {settings.CusumThreshold} sigma)");
                }

                if (learn)
                {
                    _change.Learn(delta);
                }
            }
        }

        _previous = value;
        if (learn)
        {
            _level.Learn(value);
        }

        return found;
    }
}

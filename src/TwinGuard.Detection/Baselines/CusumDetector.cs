namespace TwinGuard.Detection.Baselines;

/// <summary>
/// Two-sided tabular CUSUM over standardised deviations: catches small persistent shifts (a slow drift, a bias) that
/// stay below any single-sample threshold.
/// </summary>
/// <remarks>
/// Page (1954), in the tabular form of Montgomery, <i>Introduction to Statistical Quality Control</i>, §9.1:
/// C⁺ = max(0, C⁺ + z − k), C⁻ = max(0, C⁻ − z − k), alarm when either exceeds h. With k = 0.5 and h = 5 the
/// in-control average run length is about 465 samples per side and a one-sigma shift is found in about 10.
/// The statistics restart after an alarm, so one persistent shift raises one alarm per run length, not one per sample.
/// </remarks>
public sealed class CusumDetector
{
    /// <summary>Creates a detector.</summary>
    /// <param name="slack">k: the allowance, in standard deviations, that a deviation must exceed to accumulate.</param>
    /// <param name="threshold">h: the decision interval, in standard deviations.</param>
    public CusumDetector(double slack = 0.5, double threshold = 5.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slack);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threshold);
        Slack = slack;
        Threshold = threshold;
    }

    /// <summary>k, in standard deviations.</summary>
    public double Slack { get; }

    /// <summary>h, in standard deviations.</summary>
    public double Threshold { get; }

    /// <summary>C⁺: accumulated evidence of an upward shift.</summary>
    public double Upper { get; private set; }

    /// <summary>C⁻: accumulated evidence of a downward shift.</summary>
    public double Lower { get; private set; }

    /// <summary>The larger of the two statistics relative to the threshold (1 = at the alarm line).</summary>
    public double Level => Math.Max(Upper, Lower) / Threshold;

    /// <summary>Adds one standardised deviation; returns the direction of an alarm, or 0.</summary>
    /// <param name="z">The standardised deviation.</param>
    /// <param name="sensitivity">
    /// Divides the threshold h (1 = as configured; 2 = alarm at half the evidence; 0.5 = twice the evidence, as an
    /// analyst's verdict may ask, within bounds the caller keeps). Not a positive finite number: 1.
    /// </param>
    /// <returns>+1 for an upward shift, −1 for a downward one, 0 for none.</returns>
    public int Update(double z, double sensitivity = 1.0)
    {
        if (!double.IsFinite(z))
        {
            return 0;
        }

        Upper = Math.Max(0, Upper + z - Slack);
        Lower = Math.Max(0, Lower - z - Slack);
        var threshold = Threshold / (sensitivity > 0 && double.IsFinite(sensitivity) ? sensitivity : 1.0);
        var direction = Upper > threshold ? 1 : Lower > threshold ? -1 : 0;
        if (direction != 0)
        {
            Reset();
        }

        return direction;
    }

    /// <summary>Continues from saved statistics (a twin re-activated elsewhere); negative or non-finite ones restart at 0.</summary>
    public void Restore(double upper, double lower)
    {
        Upper = double.IsFinite(upper) ? Math.Max(0, upper) : 0;
        Lower = double.IsFinite(lower) ? Math.Max(0, lower) : 0;
    }

    /// <summary>Clears both statistics.</summary>
    public void Reset()
    {
        Upper = 0;
        Lower = 0;
    }
}

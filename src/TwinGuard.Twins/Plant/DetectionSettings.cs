namespace TwinGuard.Twins.Plant;

/// <summary>Site-wide settings of the per-signal streaming detectors.</summary>
/// <param name="EwmaAlpha">Weight of a new sample in the EWMA baseline.</param>
/// <param name="WarmUp">Samples learned before a baseline scores.</param>
/// <param name="ZThreshold">|z| above which a sample is a finding.</param>
/// <param name="CusumSlack">CUSUM allowance k in standard deviations.</param>
/// <param name="CusumThreshold">CUSUM decision interval h in standard deviations.</param>
public sealed record DetectionSettings(double EwmaAlpha, int WarmUp, double ZThreshold, double CusumSlack, double CusumThreshold)
{
    /// <summary>The values used when the plant model leaves them out.</summary>
    public static DetectionSettings Default { get; } = new(0.02, 60, 6, 0.5, 12);

    /// <summary>Validated states of an asset learned before its multivariate model scores.</summary>
    /// <value>Default 2400 (10 min at 4 Hz): the window must hold the asset's normal operating changes, or they will be flagged.</value>
    public int MultivariateWarmUp { get; init; } = 2400;

    /// <summary>The multivariate detector (see <c>TwinGuard.Detection.Pipeline.DetectorCatalog</c>).</summary>
    /// <value>Default <c>pca</c>, the best on SKAB.</value>
    public string MultivariateDetector { get; init; } = "pca";

    /// <summary>
    /// States of an asset flagged in a row, holding still, after which its multivariate model accepts them as a new
    /// operating point and re-baselines (<c>TwinGuard.Detection.Pipeline.OnlineLearningOptions.AcceptAfter</c>), but
    /// only when no other alarm was raised during the hold: on its other signals, on an asset it shares a relation
    /// with, or against a device that feeds it (<c>TwinGuard.Twins.Detect.AlarmLog</c>). 0 never accepts.
    /// </summary>
    /// <value>
    /// Default 0: an attacker who holds a value that long, with nothing else alarming, would become the baseline, so an
    /// operator decides unless the plant model asks for it (<c>multivariate_accept_after</c>).
    /// </value>
    public int MultivariateAcceptAfter { get; init; }
}

namespace TwinGuard.Detection.Pipeline;

/// <summary>How an <see cref="OnlineAnomalyDetector"/> learns as it goes.</summary>
public sealed record OnlineLearningOptions
{
    /// <summary>Rows learned unconditionally before the first fit.</summary>
    /// <value>256.</value>
    public int WarmUp { get; init; } = 256;

    /// <summary>Rows scored between two refits.</summary>
    /// <value>256.</value>
    public int RefitEvery { get; init; } = 256;

    /// <summary>The most recent accepted rows kept for refitting.</summary>
    /// <value>2048.</value>
    public int History { get; init; } = 2048;

    /// <summary>
    /// The largest fraction of a refit's rows that the anchor model (the first fit, or the last re-baseline) may call
    /// anomalous. A refit beyond it is refused and the model in use is kept: the recent rows have moved away from the
    /// commissioned normal, which is what a slow poisoning of the baseline does. Use 1 to disable.
    /// </summary>
    /// <value>
    /// 0.3. The presets' thresholds reject about 0.5-1 % of rows like their training rows, but a commissioning window of
    /// a lively plant does not hold every normal operating point: in four simulated hours of the sample plant's normal
    /// operation the anchor rejected up to 14 % of later windows. A creeping value drives the rejection to 100 %.
    /// </value>
    public double MaxAnchorRejection { get; init; } = 0.3;

    /// <summary>
    /// The farthest the centre of the operation offered since the previous retraining may lie from the commissioned
    /// normal (<see cref="OnlineAnomalyDetector.LastAnchorDrift"/>: the anchor's odds of the centre over its odds of a
    /// typical commissioned state) before the retraining is refused. Unlike <see cref="MaxAnchorRejection"/> it judges
    /// every unexplained row offered, flagged or not, and the centre rather than each row: what it decides does not
    /// depend on the threshold line, nor on which rows the flags kept out of learning. Use
    /// <see cref="double.PositiveInfinity"/> to disable.
    /// </summary>
    /// <value>
    /// 1: the centre of recent operation has moved as far from the commissioned centre as a typical commissioned state
    /// lies from it, noise included. The noise averages out of a centre, so stationary operation stays far below.
    /// </value>
    public double MaxAnchorDrift { get; init; } = 1.0;

    /// <summary>
    /// Rows scored between the start of a refit and the adoption of its model; 0 to fit and adopt at once. With a
    /// positive value the fit runs on a thread of its own while the model in use keeps scoring, and is adopted exactly
    /// that many rows later when it is done by then, so a caller that must answer quickly (a twin's turn on a broker
    /// connection's thread) is not held up for a whole fit, and the rows a model scores do not depend on how fast the
    /// machine is as long as it keeps up. A fit not done by then is never waited for: it is adopted at the first row
    /// after it is done (<see cref="OnlineAnomalyDetector.AdoptedLate"/>), and the next refit starts at the row it would
    /// have started at.
    /// </summary>
    /// <value>0.</value>
    public int AdoptAfter { get; init; }

    /// <summary>
    /// Accepts a lasting new operating point: once every row has been flagged for this many consecutive rows, and the
    /// centre of the last half of them lies within one commissioned deviation (per feature) of the half before's, the
    /// detector re-baselines by itself (as <see cref="OnlineAnomalyDetector.Rebaseline"/>) and reports the decision
    /// (<c>new_operating_point_accepted</c>). A run that is still moving (a creep that has outrun the model) is not
    /// accepted, however long, and is reported once (<c>new_operating_point_refused</c>). 0 never accepts, which is the
    /// safe choice where an attacker could hold a value that long. With <see cref="AlarmsElsewhere"/> set, a run that
    /// held still is accepted only when nothing else alarmed during it.
    /// </summary>
    /// <value>0.</value>
    public int AcceptAfter { get; init; }

    /// <summary>
    /// Asked when a flagged run has held still for <see cref="AcceptAfter"/> rows, with the number of rows it held (the
    /// current one included): why it must not become the new normal (an alarm raised elsewhere during the hold), or
    /// null when nothing else alarmed. A run refused this way is reported (<c>new_operating_point_refused</c>) and must
    /// hold for another <see cref="AcceptAfter"/> rows before it is judged again. Null consults nothing outside the model.
    /// </summary>
    /// <remarks>
    /// A new way of running comes alone; an attack that holds a value often comes with other evidence (another signal
    /// out of its band, a related asset, a network or intel finding against the source). Only the caller knows what is
    /// "elsewhere": the twins ask their alarm log (<c>AlarmLog</c>).
    /// </remarks>
    /// <value>Null.</value>
    public Func<long, string?>? AlarmsElsewhere { get; init; }
}

namespace TwinGuard.Detection.Ensemble;

/// <summary>How a <see cref="ScoreEnsemble"/> combines its members' standardised scores.</summary>
public enum ScoreFusion
{
    /// <summary>The mean z-score: members that see the same thing confirm each other, a lone member is damped.</summary>
    Mean,

    /// <summary>
    /// The highest z-score: members that see different things (a row's state, a sequence's course) each raise the
    /// score on their own.
    /// </summary>
    Max,
}

namespace TwinGuard.Detection;

/// <summary>A multivariate anomaly detector: learns what normal rows look like, then scores and explains new rows.</summary>
/// <remarks>
/// Implementations: <see cref="IsolationForests.IsolationForest"/>, <see cref="Autoencoders.Autoencoder"/>,
/// <see cref="Reconstruction.PcaResidualDetector"/> and <see cref="Ensemble.ScoreEnsemble"/>. Scores are in [0, 1],
/// higher is more anomalous, and are monotone in the detector's own anomaly measure so that a threshold calibrated on
/// training scores (<see cref="Thresholds.ScoreThreshold"/>) means the same thing on new rows. A fitted detector is
/// safe to score from several threads at once; <see cref="Fit"/> must not run concurrently with scoring.
/// </remarks>
public interface IAnomalyDetector
{
    /// <summary>A short name (<c>iforest</c>, <c>autoencoder</c>, ...), used on the command line and in reports.</summary>
    string Name { get; }

    /// <summary>Number of features the detector was fitted on; 0 before <see cref="Fit"/>.</summary>
    int FeatureCount { get; }

    /// <summary>True once <see cref="Fit"/> has run.</summary>
    bool IsFitted { get; }

    /// <summary>Learns from <paramref name="training"/>, which should hold normal (or mostly normal) rows only.</summary>
    void Fit(FeatureMatrix training);

    /// <summary>Scores every row of <paramref name="rows"/> into <paramref name="scores"/>, each in [0, 1].</summary>
    void Score(FeatureMatrix rows, Span<double> scores);

    /// <summary>Scores one row.</summary>
    double Score(ReadOnlySpan<double> row);

    /// <summary>
    /// How much each feature contributed to the score of <paramref name="row"/>, written to
    /// <paramref name="contributions"/> (one non-negative value per feature; larger means it drove the score more).
    /// </summary>
    void Explain(ReadOnlySpan<double> row, Span<double> contributions);

    /// <summary>
    /// <see cref="Fit"/> on <paramref name="training"/>, then <see cref="Score(FeatureMatrix, Span{double})"/> of the same
    /// rows, with the same results as the two calls: a detector that scores its training rows while fitting (to
    /// normalise its statistics) overrides this to keep those scores instead of computing them again.
    /// </summary>
    void FitAndScore(FeatureMatrix training, Span<double> scores)
    {
        Fit(training);
        Score(training, scores);
    }

    /// <summary>
    /// <see cref="Score(ReadOnlySpan{double})"/> and <see cref="Explain"/> of one row in one call, with the same results
    /// as the two calls: a detector whose explanation falls out of its scoring overrides this to do the work once.
    /// </summary>
    double ScoreAndExplain(ReadOnlySpan<double> row, Span<double> contributions)
    {
        Explain(row, contributions);
        return Score(row);
    }
}

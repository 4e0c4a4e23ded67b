using TwinGuard.Detection.Features;

namespace TwinGuard.Detection.Sequence;

/// <summary>
/// Hands a detector the feature rows without their window of lagged values, so that a row-wise detector (PCA, an
/// autoencoder) and a sequence model can share one feature row in an ensemble.
/// </summary>
public sealed class WithoutLagWindow : IAnomalyDetector, ISequenceDetector
{
    private readonly IAnomalyDetector _inner;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public WithoutLagWindow(IAnomalyDetector inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <inheritdoc />
    public string Name => _inner.Name;

    /// <inheritdoc />
    public LagWindow? Window { get; set; }

    /// <inheritdoc />
    public int FeatureCount { get; private set; }

    /// <inheritdoc />
    public bool IsFitted => _inner.IsFitted;

    private int Kept(int columns) => Window?.Start ?? columns;

    /// <inheritdoc />
    public void Fit(FeatureMatrix training)
    {
        ArgumentNullException.ThrowIfNull(training);
        _inner.Fit(Strip(training));
        FeatureCount = training.Columns;
    }

    /// <inheritdoc />
    public void FitAndScore(FeatureMatrix training, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(training);
        _inner.FitAndScore(Strip(training), scores);
        FeatureCount = training.Columns;
    }

    /// <inheritdoc />
    public void Score(FeatureMatrix rows, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(rows);
        _inner.Score(Strip(rows), scores);
    }

    /// <inheritdoc />
    public double Score(ReadOnlySpan<double> row) => _inner.Score(row[..Kept(row.Length)]);

    /// <inheritdoc />
    public void Explain(ReadOnlySpan<double> row, Span<double> contributions)
    {
        var kept = Kept(row.Length);
        contributions[..row.Length].Clear();
        _inner.Explain(row[..kept], contributions[..kept]);
    }

    /// <inheritdoc />
    public double ScoreAndExplain(ReadOnlySpan<double> row, Span<double> contributions)
    {
        var kept = Kept(row.Length);
        contributions[..row.Length].Clear();
        return _inner.ScoreAndExplain(row[..kept], contributions[..kept]);
    }

    private FeatureMatrix Strip(FeatureMatrix rows)
    {
        var kept = Kept(rows.Columns);
        if (kept == rows.Columns)
        {
            return rows;
        }

        var result = new FeatureMatrix(rows.Rows, kept);
        for (var i = 0; i < rows.Rows; i++)
        {
            rows.Row(i)[..kept].CopyTo(result.Row(i));
        }

        return result;
    }
}

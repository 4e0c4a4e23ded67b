using TwinGuard.Detection.Features;

namespace TwinGuard.Detection.Pipeline;

/// <summary>
/// Learns as it goes: fits on a warm-up window, then scores each row and periodically refits on the recent rows it
/// accepted. It never learns from a row it flagged, nor from a row whose feature window contains a flagged row, so an
/// attack cannot teach the model that the attack is normal.
/// </summary>
/// <remarks>Not thread-safe: one instance per stream.</remarks>
public sealed class OnlineAnomalyDetector
{
    private readonly AnomalyPipelineOptions _options;
    private readonly OnlineLearningOptions _learning;
    private readonly int _columns;
    private readonly List<double[]> _warmUp = [];
    private readonly Queue<double[]> _history = new();
    private AnomalyPipeline? _pipeline;
    private int _sinceFit;
    private long _sinceFlag = long.MaxValue / 2;

    /// <summary>Creates a detector for rows of <paramref name="columns"/> values.</summary>
    public OnlineAnomalyDetector(int columns, AnomalyPipelineOptions options, OnlineLearningOptions? learning = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentNullException.ThrowIfNull(options);
        _columns = columns;
        _options = options;
        _learning = learning ?? new OnlineLearningOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_learning.WarmUp, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_learning.RefitEvery);
        ArgumentOutOfRangeException.ThrowIfLessThan(_learning.History, _learning.WarmUp);
    }

    /// <summary>True once the warm-up window has been fitted.</summary>
    public bool IsFitted => _pipeline is not null;

    /// <summary>Number of refits after the first fit.</summary>
    public int Refits { get; private set; }

    /// <summary>Rows learned from after the warm-up (accepted as normal).</summary>
    public long Learned { get; private set; }

    /// <summary>The current pipeline, null during warm-up.</summary>
    public AnomalyPipeline? Pipeline => _pipeline;

    /// <summary>
    /// Adds the next row. During warm-up nothing is returned until the window is full; then the warm-up rows' verdicts
    /// are returned at once. Afterwards each call returns the row's verdict.
    /// </summary>
    public IReadOnlyList<AnomalyVerdict> Push(ReadOnlySpan<double> row)
    {
        if (row.Length != _columns)
        {
            throw new ArgumentException($"expected {_columns} values, got {row.Length}", nameof(row));
        }

        if (_pipeline is null)
        {
            _warmUp.Add(row.ToArray());
            if (_warmUp.Count < _learning.WarmUp)
            {
                return [];
            }

            var training = FeatureMatrix.FromRows(_warmUp);
            _pipeline = AnomalyPipeline.Fit(training, _options);
            var transform = new TemporalFeatures(_columns, _options.Features);
            var features = transform.Transform(training);
            for (var i = Math.Min(transform.WarmUpRows, features.Rows - 2); i < features.Rows; i++)
            {
                Remember(features.Row(i).ToArray());
            }

            _warmUp.Clear();
            return _pipeline.TrainingVerdicts;
        }

        var featureRow = new double[_pipeline.Features.OutputColumns];
        var verdict = _pipeline.Next(row, featureRow);
        _sinceFlag = verdict.RawAnomaly || verdict.IsAnomaly ? 0 : _sinceFlag + 1;

        // The row's features summarise the last Window rows: learn only when none of them was flagged.
        if (_sinceFlag >= Math.Max(1, _options.Features.Window))
        {
            Remember(featureRow);
            Learned++;
        }

        if (++_sinceFit >= _learning.RefitEvery && _history.Count >= _learning.WarmUp)
        {
            _pipeline.FitFeatures(FeatureMatrix.FromRows([.. _history]));
            _sinceFit = 0;
            Refits++;
        }

        return [verdict];
    }

    private void Remember(double[] featureRow)
    {
        _history.Enqueue(featureRow);
        while (_history.Count > _learning.History)
        {
            _history.Dequeue();
        }
    }
}

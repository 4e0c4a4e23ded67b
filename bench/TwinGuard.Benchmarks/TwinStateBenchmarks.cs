using BenchmarkDotNet.Attributes;
using TwinGuard.Detection.Features;
using TwinGuard.Detection.Pipeline;
using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Benchmarks;

/// <summary>
/// The twin's per-state work in its multivariate model: one state of an asset pushed through the online detector the
/// twins build (<c>AssetDetector.Online</c> with the default detection settings, the same code, so what is measured
/// follows the twins' configuration: the default preset without its onset companion, the profiler's decisions on
/// levels and periods as the twins apply them; temporal features over 10 rows, PCA T²+Q, threshold, 15-row vote,
/// episode end, anomaly likelihood, column explanation), refits and the anchor's judgement of learned rows included.
/// </summary>
/// <remarks>
/// Rows are a slow sine per signal plus noise, so the stream is normal operation: states are learned and the model
/// refits every warm-up window (the twins' default, 2400 states), adopted as the twins adopt it. One invocation pushes
/// <see cref="States"/> states, so the mean is per state with the refits amortised as they are in a twin.
/// <para>Beside the whole push, its two arithmetic parts on their own: the temporal features of one state, and the
/// PCA score with its explanation of one feature row (the fitted model of the stream).</para>
/// </remarks>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class TwinStateBenchmarks
{
    private const int States = 4800;
    private static readonly int WarmUp = DetectionSettings.Default.MultivariateWarmUp;
    private OnlineAnomalyDetector _detector = null!;
    private double[] _rows = [];
    private int _next;
    private TemporalFeatures _features = null!;
    private double[] _featureRow = [];
    private double[] _contributions = [];

    /// <summary>Signals of the asset (4: the bench asset; 6: the sample pump).</summary>
    [Params(4, 6)]
    public int Signals { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        var count = (WarmUp + States) * 4;
        _rows = new double[count * Signals];
        for (var i = 0; i < count; i++)
        {
            for (var j = 0; j < Signals; j++)
            {
                _rows[(i * Signals) + j] = (10 * (j + 1)) + Math.Sin((i / 500.0) + j) + (0.1 * random.NextDouble());
            }
        }

        var asset = new AssetModel("bench", "bench", "pump", [], [.. Enumerable.Range(0, Signals)
            .Select(j => new SignalModel($"s{j}", "1", -1e6, 1e6, double.PositiveInfinity, TimeSpan.FromMilliseconds(250), Criticality.Medium))]);
        _detector = AssetDetector.Online(asset, DetectionSettings.Default);
        for (var i = 0; i < WarmUp; i++)
        {
            _detector.Push(Row(i));
        }

        _next = WarmUp;
        var pipeline = _detector.Pipeline!;
        _features = new TemporalFeatures(Signals, pipeline.FeatureOptions);
        _featureRow = new double[_features.OutputColumns];
        _contributions = new double[_features.OutputColumns];
        for (var i = 0; i < WarmUp; i++)
        {
            _features.Push(Row(i), _featureRow);
        }
    }

    [Benchmark(OperationsPerInvoke = States)]
    public double FeaturesOfState()
    {
        var sum = 0.0;
        for (var i = 0; i < States; i++)
        {
            _features.Push(Row(WarmUp + i), _featureRow);
            sum += _featureRow[^1];
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = States)]
    public double ScoreAndExplainState()
    {
        var detector = _detector.Pipeline!.Detector;
        var sum = 0.0;
        for (var i = 0; i < States; i++)
        {
            _featureRow[i % _featureRow.Length] += 1e-9; // a different row each time, all in the normal region
            sum += detector.ScoreAndExplain(_featureRow, _contributions);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = States)]
    public int PushState()
    {
        var anomalies = 0;
        for (var i = 0; i < States; i++)
        {
            if (_next * Signals >= _rows.Length)
            {
                _next = WarmUp; // the stream goes round: still normal operation, still continuous enough
            }

            var verdicts = _detector.Push(Row(_next++));
            anomalies += verdicts.Count == 1 && verdicts[0].IsAnomaly ? 1 : 0;
        }

        return anomalies;
    }

    private ReadOnlySpan<double> Row(int i) => _rows.AsSpan(i * Signals, Signals);
}

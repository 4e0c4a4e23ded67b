using BenchmarkDotNet.Attributes;
using TwinGuard.Detection;
using TwinGuard.Detection.IsolationForests;

namespace TwinGuard.Benchmarks;

/// <summary>
/// Isolation Forest fit and batch scoring (100 trees, ψ = 256, d = 8), one thread and all cores; the row-major walk
/// (the default before the tree-major one) beside the default, for the ratio in one run.
/// </summary>
[MemoryDiagnoser]
public class IsolationForestBenchmarks
{
    private FeatureMatrix _rows = null!;
    private double[] _scores = null!;
    private IsolationForest _single = null!;
    private IsolationForest _parallel = null!;
    private IsolationForest _rowMajor = null!;

    [Params(100_000, 1_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(12345);
        var values = new double[Rows * 8];
        for (var i = 0; i < values.Length; i++)
        {
            // 99 % N(0, 1) (Box–Muller), 1 % U(−6, 6), as ../shared/peers/sklearn_iforest.py.
            values[i] = i / 8 % 100 == 0
                ? (random.NextDouble() * 12) - 6
                : Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        }

        _rows = new FeatureMatrix(values, Rows, 8);
        _scores = new double[Rows];
        _single = new IsolationForest(new IsolationForestOptions { MaxDegreeOfParallelism = 1 });
        _single.Fit(_rows);
        _parallel = new IsolationForest(new IsolationForestOptions { MaxDegreeOfParallelism = 0 });
        _parallel.Fit(_rows);
        _rowMajor = new IsolationForest(new IsolationForestOptions { MaxDegreeOfParallelism = 1, Traversal = TreeTraversal.Scalar });
        _rowMajor.Fit(_rows);
    }

    [Benchmark]
    public IsolationForest FitSingleThread()
    {
        var forest = new IsolationForest(new IsolationForestOptions { MaxDegreeOfParallelism = 1 });
        forest.Fit(_rows);
        return forest;
    }

    [Benchmark]
    public double ScoreSingleThread()
    {
        _single.Score(_rows, _scores);
        return _scores[0];
    }

    [Benchmark]
    public double ScoreSingleThreadRowMajor()
    {
        _rowMajor.Score(_rows, _scores);
        return _scores[0];
    }

    [Benchmark]
    public double ScoreAllCores()
    {
        _parallel.Score(_rows, _scores);
        return _scores[0];
    }
}

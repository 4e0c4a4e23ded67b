using BenchmarkDotNet.Attributes;
using TwinGuard.Detection;
using TwinGuard.Detection.Autoencoders;

namespace TwinGuard.Benchmarks;

/// <summary>Dense autoencoder training (400 rows × 60 epochs, as one SKAB file) and scoring, d = 28.</summary>
[MemoryDiagnoser]
public class AutoencoderBenchmarks
{
    private FeatureMatrix _training = null!;
    private FeatureMatrix _probe = null!;
    private double[] _scores = null!;
    private Autoencoder _model = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        FeatureMatrix Make(int n)
        {
            var m = new FeatureMatrix(n, 28);
            for (var i = 0; i < m.Values.Length; i++)
            {
                m.Values[i] = random.NextDouble() + (i % 28 * 0.1);
            }

            return m;
        }

        _training = Make(400);
        _probe = Make(10_000);
        _scores = new double[_probe.Rows];
        _model = new Autoencoder();
        _model.Fit(_training);
    }

    [Benchmark]
    public Autoencoder Fit()
    {
        var model = new Autoencoder();
        model.Fit(_training);
        return model;
    }

    [Benchmark]
    public double ScoreBatch()
    {
        _model.Score(_probe, _scores);
        return _scores[0];
    }

    [Benchmark]
    public double ScoreSingleRow() => _model.Score(_probe.Row(0));
}

using System.Numerics.Tensors;

namespace TwinGuard.Detection.Autoencoders;

/// <summary>
/// A dense autoencoder: learns to reconstruct normal rows through a narrow bottleneck; rows it cannot reconstruct are
/// anomalous, and the per-feature reconstruction error says which signals are wrong.
/// </summary>
/// <remarks>
/// Inputs are standardised on the training rows. Hidden layers use tanh, the output layer is linear, the loss is the
/// mean squared error, trained with mini-batches and Adam (Kingma and Ba, 2015). The index is the row's mean squared
/// reconstruction error divided by its training quantile; the score is index / (1 + index), so odds = index. The
/// matrix work runs on <see cref="TensorPrimitives"/> (SIMD) in single precision.
/// </remarks>
public sealed class Autoencoder : IAnomalyDetector
{
    private readonly Features.Standardizer _standardizer = new();
    private DenseLayer[] _layers = [];
    private double _errorScale = 1;

    /// <summary>Creates an unfitted autoencoder.</summary>
    public Autoencoder(AutoencoderOptions? options = null)
    {
        Options = options ?? new AutoencoderOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.Epochs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.LearningRate);
    }

    /// <inheritdoc />
    public string Name => "autoencoder";

    /// <summary>The parameters.</summary>
    public AutoencoderOptions Options { get; }

    /// <inheritdoc />
    public int FeatureCount { get; private set; }

    /// <inheritdoc />
    public bool IsFitted => FeatureCount > 0;

    /// <summary>Bytes a fitted model keeps: float32 weights and biases plus the standardiser's two doubles per feature.</summary>
    public long ModelBytes => ((long)ParameterCount * sizeof(float)) + (2L * FeatureCount * sizeof(double));

    /// <summary>Number of weights and biases.</summary>
    public int ParameterCount => _layers.Sum(l => l.ParameterCount);

    /// <summary>Layer widths from input to output.</summary>
    public IReadOnlyList<int> LayerWidths => _layers.Length == 0 ? [] : [_layers[0].Inputs, .. _layers.Select(l => l.Outputs)];

    /// <summary>Mean training loss (standardised units) of the last epoch.</summary>
    public double FinalLoss { get; private set; }

    /// <inheritdoc />
    public void Fit(FeatureMatrix training)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (training.Rows < 2)
        {
            throw new ArgumentException("an autoencoder needs at least two training rows", nameof(training));
        }

        var d = training.Columns;
        _standardizer.Fit(training);
        var hidden = Options.HiddenLayers ?? [Math.Max(2, d / 2), Math.Max(1, d / 4), Math.Max(2, d / 2)];
        var random = new DeterministicRandom(Options.Seed);
        var widths = new List<int> { d };
        widths.AddRange(hidden);
        widths.Add(d);
        _layers = new DenseLayer[widths.Count - 1];
        for (var l = 0; l < _layers.Length; l++)
        {
            _layers[l] = new DenseLayer(widths[l], widths[l + 1], tanh: l < _layers.Length - 1, ref random);
        }

        var n = training.Rows;
        var x = ToFloat(_standardizer.Transform(training));
        var batch = Math.Min(Options.BatchSize, n);
        var activations = widths.Select(w => new float[batch * w]).ToArray();
        var gradients = widths.Select(w => new float[batch * w]).ToArray();
        var epochLoss = AdamTraining.Train(_layers, n, batch, Options.Epochs, Options.LearningRate, ref random, order =>
        {
            var rows = order.Count;
            for (var r = 0; r < rows; r++)
            {
                x.AsSpan(order[r] * d, d).CopyTo(activations[0].AsSpan(r * d, d));
            }

            Forward(activations, rows);
            var loss = AdamTraining.SquaredErrorGradient(
                activations[^1].AsSpan(0, rows * d), activations[0].AsSpan(0, rows * d), gradients[^1].AsSpan(0, rows * d));
            for (var l = _layers.Length - 1; l >= 0; l--)
            {
                _layers[l].Backward(activations[l], activations[l + 1], gradients[l + 1],
                    l == 0 ? Span<float>.Empty : gradients[l], rows);
            }

            return loss;
        });
        FinalLoss = epochLoss / ((double)n * d);

        FeatureCount = d;
        _errorScale = 1;
        var errors = new double[n];
        Errors(training, errors);
        _errorScale = Math.Max(Thresholds.ScoreThreshold.QuantileOf(errors, Options.NormalisingQuantile), 1e-12);
    }

    /// <inheritdoc />
    public void Score(FeatureMatrix rows, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(rows);
        EnsureFitted(rows.Columns);
        Errors(rows, scores);
        for (var i = 0; i < rows.Rows; i++)
        {
            var r = scores[i] / _errorScale;
            scores[i] = double.IsFinite(r) ? r / (1 + r) : 1.0;
        }
    }

    /// <inheritdoc />
    public double Score(ReadOnlySpan<double> row)
    {
        EnsureFitted(row.Length);
        Span<double> perFeature = stackalloc double[FeatureCount];
        var r = RowError(row, perFeature) / _errorScale;
        return double.IsFinite(r) ? r / (1 + r) : 1.0;
    }

    /// <inheritdoc />
    /// <remarks>Each feature's squared reconstruction error in standardised units.</remarks>
    public void Explain(ReadOnlySpan<double> row, Span<double> contributions)
    {
        EnsureFitted(row.Length);
        RowError(row, contributions[..FeatureCount]);
    }

    private void Forward(float[][] activations, int rows)
    {
        for (var l = 0; l < _layers.Length; l++)
        {
            _layers[l].Forward(activations[l], activations[l + 1], rows);
        }
    }

    private void Errors(FeatureMatrix rows, Span<double> errors)
    {
        const int Block = 256;
        var d = rows.Columns;
        var widths = LayerWidths;
        var activations = widths.Select(w => new float[Block * w]).ToArray();
        var z = new double[d];
        for (var start = 0; start < rows.Rows; start += Block)
        {
            var count = Math.Min(Block, rows.Rows - start);
            for (var r = 0; r < count; r++)
            {
                _standardizer.Transform(rows.Row(start + r), z);
                var dst = activations[0].AsSpan(r * d, d);
                for (var j = 0; j < d; j++)
                {
                    dst[j] = (float)z[j];
                }
            }

            Forward(activations, count);
            for (var r = 0; r < count; r++)
            {
                errors[start + r] = MeanSquaredError(activations[0].AsSpan(r * d, d), activations[^1].AsSpan(r * d, d), default);
            }
        }
    }

    private double RowError(ReadOnlySpan<double> row, Span<double> perFeature)
    {
        var widths = LayerWidths;
        var activations = widths.Select(w => new float[w]).ToArray();
        Span<double> z = stackalloc double[FeatureCount];
        _standardizer.Transform(row, z);
        for (var j = 0; j < FeatureCount; j++)
        {
            activations[0][j] = (float)z[j];
        }

        Forward(activations, 1);
        return MeanSquaredError(activations[0], activations[^1], perFeature);
    }

    // One routine for batch and single rows, so that a row scores the same whichever way it arrives.
    private static double MeanSquaredError(ReadOnlySpan<float> input, ReadOnlySpan<float> output, Span<double> perFeature)
    {
        var sum = 0.0;
        for (var j = 0; j < input.Length; j++)
        {
            var e = (double)output[j] - input[j];
            if (!perFeature.IsEmpty)
            {
                perFeature[j] = e * e;
            }

            sum += e * e;
        }

        return sum / input.Length;
    }

    private static float[] ToFloat(FeatureMatrix m)
    {
        var result = new float[m.Values.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (float)m.Values[i];
        }

        return result;
    }

    private void EnsureFitted(int columns)
    {
        if (!IsFitted)
        {
            throw new InvalidOperationException("the autoencoder has not been fitted");
        }

        if (columns != FeatureCount)
        {
            throw new ArgumentException($"the autoencoder was fitted on {FeatureCount} features, not {columns}");
        }
    }
}

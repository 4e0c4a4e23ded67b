using System.Numerics;
using System.Numerics.Tensors;
using TwinGuard.Detection.Autoencoders;
using TwinGuard.Detection.Features;

namespace TwinGuard.Detection.Sequence;

/// <summary>
/// A sequence model: a temporal-convolution network that forecasts each input column's next value from the rows
/// before it; the forecast error is the anomaly measure, and each column's share of it says which signal broke the
/// pattern.
/// </summary>
/// <remarks>
/// <para>
/// Architecture: causal convolutions of kernel 2 with dilations 1, 2, 4, ... (WaveNet, van den Oord et al. 2016; the
/// generic TCN of Bai, Kolter and Koltun 2018 without residual blocks), stacked until the receptive field covers the
/// context of <c>Steps − 1</c> rows (a power of two). Only the outputs the last position needs are computed: with
/// kernel 2 and dilation 2^k, layer k combines pairs of adjacent outputs of layer k − 1, so each layer is one dense
/// map of a pair of rows (tanh), and the row-major buffer of one layer is, read two rows at a time, the next layer's
/// input. A linear head maps the last hidden vector to one value per column, added to the last context row: the
/// network learns the change from persistence, not the level.
/// </para>
/// <para>
/// Inputs are standardised per column (mean and deviation pooled over every lag of the training windows). Trained
/// with mean squared error, mini-batches and Adam, in single precision on <see cref="TensorPrimitives"/>. The index is
/// the mean over columns of the squared error divided by that column's mean squared training error, divided by the
/// index's training quantile; the score is index / (1 + index), so odds = index, as for the autoencoder. The feature
/// rows carry the window (<see cref="TemporalFeatureOptions.Lags"/>); other features in the row are ignored.
/// </para>
/// </remarks>
public sealed class TemporalConvolutionForecaster : IAnomalyDetector, ISequenceDetector
{
    private DenseLayer[] _convolutions = [];
    private DenseLayer? _head;
    private double[] _mean = [];
    private double[] _scale = [];
    private double[] _residual = [];
    private double _errorScale = 1;

    /// <summary>Creates an unfitted forecaster.</summary>
    public TemporalConvolutionForecaster(ForecasterOptions? options = null)
    {
        Options = options ?? new ForecasterOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.Hidden);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.Epochs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.LearningRate);
        ArgumentOutOfRangeException.ThrowIfNegative(Options.Patience);
        ArgumentOutOfRangeException.ThrowIfNegative(Options.HeldOutFraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(Options.HeldOutFraction, 1.0);
    }

    /// <inheritdoc />
    public string Name => "tcn";

    /// <summary>The parameters.</summary>
    public ForecasterOptions Options { get; }

    /// <inheritdoc />
    public LagWindow? Window { get; set; }

    /// <inheritdoc />
    public int FeatureCount { get; private set; }

    /// <inheritdoc />
    public bool IsFitted => FeatureCount > 0;

    /// <summary>Number of weights and biases.</summary>
    public int ParameterCount => _convolutions.Sum(l => l.ParameterCount) + (_head?.ParameterCount ?? 0);

    /// <summary>Mean squared forecast error (standardised units) of the last training epoch.</summary>
    public double FinalLoss { get; private set; }

    /// <summary>Mean squared forecast error (standardised units) on the held-out windows, NaN without early stopping.</summary>
    public double HeldOutLoss { get; private set; } = double.NaN;

    /// <summary>
    /// The better of two forecasts that know no sequence, on the held-out windows: the last value (persistence) and
    /// the training mean. NaN without early stopping.
    /// </summary>
    public double HeldOutNaiveLoss { get; private set; } = double.NaN;

    /// <summary>
    /// False when, on windows it did not train on, the network forecasts no better than the last value or the mean:
    /// it has learned no pattern of the sequence, and its error is the noise's size, not news. True when unknown.
    /// </summary>
    public bool LearnedASequence => !(HeldOutLoss >= HeldOutNaiveLoss);

    /// <summary>Epochs run: <see cref="ForecasterOptions.Epochs"/>, or fewer when early stopping ended training.</summary>
    public int EpochsRun { get; private set; }

    /// <summary>Mean squared forecast error (standardised units) of persistence (next value = last value) on the training windows.</summary>
    public double PersistenceLoss { get; private set; }

    private int Context => Window!.Steps - 1;

    private int Channels => Window!.Channels;

    /// <inheritdoc />
    public void Fit(FeatureMatrix training)
    {
        ArgumentNullException.ThrowIfNull(training);
        var window = Window ?? throw new InvalidOperationException(
            "the forecaster needs a window of lagged values in its feature rows (TemporalFeatureOptions.Lags)");
        if (window.Steps < 3 || !BitOperations.IsPow2(window.Steps - 1) || window.Start + window.Length != training.Columns)
        {
            throw new ArgumentException(
                $"the lag window ({window.Steps} rows of {window.Channels} at {window.Start}) must hold 2^k + 1 rows and end the {training.Columns}-feature row");
        }

        if (training.Rows < 2)
        {
            throw new ArgumentException("a forecaster needs at least two training rows", nameof(training));
        }

        FitScaling(training);
        var random = new DeterministicRandom(Options.Seed);
        var c = Channels;
        var h = Options.Hidden;
        var depth = BitOperations.Log2((uint)Context);
        _convolutions = new DenseLayer[depth];
        for (var k = 0; k < depth; k++)
        {
            _convolutions[k] = new DenseLayer(2 * (k == 0 ? c : h), h, tanh: true, ref random);
        }

        var head = _head = new DenseLayer(h, c, tanh: false, ref random);
        var n = training.Rows;
        var (context, target) = Standardised(training);
        var batch = Math.Min(Options.BatchSize, n);
        var buffers = new Buffers(this, batch);
        var contextLength = Context * c;
        PersistenceLoss = PersistenceError(context, target, n);
        var heldOut = Options.Patience > 0 ? (int)(n * Options.HeldOutFraction) : 0;
        var stopping = heldOut >= batch && n - heldOut >= batch
            ? new EarlyStopping(() => HeldOutError(buffers, context, target, n - heldOut, n), Options.Patience)
            : null;
        var trained = stopping is null ? n : n - heldOut;
        var epochLoss = AdamTraining.Train([.. _convolutions, head], trained, batch, Options.Epochs, Options.LearningRate, ref random, order =>
        {
            var rows = order.Count;
            for (var r = 0; r < rows; r++)
            {
                context.AsSpan(order[r] * contextLength, contextLength).CopyTo(buffers.Activations[0].AsSpan(r * contextLength));
                target.AsSpan(order[r] * c, c).CopyTo(buffers.Target.AsSpan(r * c));
            }

            Forward(buffers, rows);
            var grad = buffers.OutputGradient.AsSpan(0, rows * c);
            var loss = AdamTraining.SquaredErrorGradient(buffers.Forecast.AsSpan(0, rows * c), buffers.Target.AsSpan(0, rows * c), grad);
            head.Backward(buffers.Activations[depth], buffers.Output, grad, buffers.Gradients[depth], rows);
            for (var k = depth - 1; k >= 0; k--)
            {
                _convolutions[k].Backward(buffers.Activations[k], buffers.Activations[k + 1], buffers.Gradients[k + 1],
                    k == 0 ? Span<float>.Empty : buffers.Gradients[k], rows * (Context >> (k + 1)));
            }

            return loss;
        }, stopping);
        FinalLoss = epochLoss / ((double)trained * c);
        EpochsRun = stopping?.EpochsRun ?? Options.Epochs;
        if (stopping is not null)
        {
            HeldOutLoss = HeldOutError(buffers, context, target, n - heldOut, n);
            HeldOutNaiveLoss = Math.Min(
                PersistenceError(context.AsSpan((n - heldOut) * contextLength), target.AsSpan((n - heldOut) * c), heldOut),
                TensorPrimitives.SumOfSquares(target.AsSpan((n - heldOut) * c)) / ((double)heldOut * c));
        }

        FeatureCount = training.Columns;

        // Each column's own forecast error on the training windows is its unit: a noisy column is not blamed for noise.
        _residual = new double[c];
        var squared = SquaredErrors(training);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < c; j++)
            {
                _residual[j] += squared[(i * c) + j] / n;
            }
        }

        for (var j = 0; j < c; j++)
        {
            _residual[j] = Math.Max(_residual[j], MinResidual);
        }

        _errorScale = 1;
        var index = new double[n];
        Index(squared, index);
        _errorScale = Math.Max(Thresholds.ScoreThreshold.QuantileOf(index, Options.NormalisingQuantile), 1e-12);
    }

    /// <summary>Squared errors below this (standardised units) are not told apart: a column forecast perfectly in training is not infinitely sensitive.</summary>
    private const double MinResidual = 1e-4;

    /// <inheritdoc />
    public void Score(FeatureMatrix rows, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(rows);
        EnsureFitted(rows.Columns);
        Index(SquaredErrors(rows), scores);
        for (var i = 0; i < rows.Rows; i++)
        {
            scores[i] = ToScore(scores[i]);
        }
    }

    /// <inheritdoc />
    public double Score(ReadOnlySpan<double> row)
    {
        Span<double> contributions = stackalloc double[row.Length];
        return ScoreAndExplain(row, contributions);
    }

    /// <inheritdoc />
    /// <remarks>Each column's squared forecast error in units of its training error, on the current row's lagged feature; 0 elsewhere.</remarks>
    public void Explain(ReadOnlySpan<double> row, Span<double> contributions) => ScoreAndExplain(row, contributions);

    /// <inheritdoc />
    public double ScoreAndExplain(ReadOnlySpan<double> row, Span<double> contributions)
    {
        EnsureFitted(row.Length);
        var matrix = new FeatureMatrix(row.ToArray(), 1, row.Length);
        var squared = SquaredErrors(matrix);
        contributions[..FeatureCount].Clear();
        var c = Channels;
        var current = Window!.Start + (Context * c);
        var index = 0.0;
        for (var j = 0; j < c; j++)
        {
            var e = squared[j] / _residual[j];
            contributions[current + j] = e;
            index += e;
        }

        return ToScore(index / c / _errorScale);
    }

    private static double ToScore(double index) => double.IsFinite(index) ? index / (1 + index) : 1.0;

    /// <summary>index[i] = mean over columns of squared error / training squared error, over the index's training quantile.</summary>
    private void Index(double[] squared, Span<double> index)
    {
        var c = Channels;
        for (var i = 0; i < index.Length; i++)
        {
            var sum = 0.0;
            for (var j = 0; j < c; j++)
            {
                sum += squared[(i * c) + j] / _residual[j];
            }

            index[i] = sum / c / _errorScale;
        }
    }

    private void FitScaling(FeatureMatrix training)
    {
        var window = Window!;
        var c = window.Channels;
        _mean = new double[c];
        _scale = new double[c];
        var m2 = new double[c];
        long count = 0;
        for (var i = 0; i < training.Rows; i++)
        {
            var row = training.Row(i);
            for (var s = 0; s < window.Steps; s++)
            {
                count++;
                for (var j = 0; j < c; j++)
                {
                    // Welford's recurrence, pooled over every lag of every window.
                    var x = row[window.Start + (s * c) + j];
                    var delta = x - _mean[j];
                    _mean[j] += delta / count;
                    m2[j] += delta * (x - _mean[j]);
                }
            }
        }

        for (var j = 0; j < c; j++)
        {
            var sd = Math.Sqrt(m2[j] / count);
            _scale[j] = sd > 1e-12 * Math.Max(1.0, Math.Abs(_mean[j])) ? sd : 1.0;
        }
    }

    /// <summary>The standardised context (rows × context × channels) and current values (rows × channels) of each row's window.</summary>
    private (float[] Context, float[] Target) Standardised(FeatureMatrix rows)
    {
        var window = Window!;
        var c = window.Channels;
        var contextLength = Context * c;
        var context = new float[rows.Rows * contextLength];
        var target = new float[rows.Rows * c];
        for (var i = 0; i < rows.Rows; i++)
        {
            var row = rows.Row(i);
            for (var s = 0; s < window.Steps; s++)
            {
                var destination = s < Context ? context.AsSpan((i * contextLength) + (s * c), c) : target.AsSpan(i * c, c);
                for (var j = 0; j < c; j++)
                {
                    destination[j] = (float)((row[window.Start + (s * c) + j] - _mean[j]) / _scale[j]);
                }
            }
        }

        return (context, target);
    }

    /// <summary>Each row's squared forecast error per column (rows × channels), standardised units.</summary>
    private double[] SquaredErrors(FeatureMatrix rows)
    {
        const int Block = 256;
        var c = Channels;
        var contextLength = Context * c;
        var (context, target) = Standardised(rows);
        var squared = new double[rows.Rows * c];
        var buffers = new Buffers(this, Math.Min(Block, Math.Max(1, rows.Rows)));
        for (var start = 0; start < rows.Rows; start += Block)
        {
            var count = Math.Min(Block, rows.Rows - start);
            context.AsSpan(start * contextLength, count * contextLength).CopyTo(buffers.Activations[0]);
            Forward(buffers, count);
            for (var i = 0; i < count * c; i++)
            {
                var e = (double)buffers.Forecast[i] - target[(start * c) + i];
                squared[(start * c) + i] = e * e;
            }
        }

        return squared;
    }

    /// <summary>Mean squared forecast error of windows [<paramref name="from"/>, <paramref name="to"/>), a batch at a time in <paramref name="buffers"/>.</summary>
    private double HeldOutError(Buffers buffers, float[] context, float[] target, int from, int to)
    {
        var c = Channels;
        var contextLength = Context * c;
        var batch = buffers.Target.Length / c;
        var sum = 0.0;
        for (var start = from; start < to; start += batch)
        {
            var count = Math.Min(batch, to - start);
            context.AsSpan(start * contextLength, count * contextLength).CopyTo(buffers.Activations[0]);
            Forward(buffers, count);
            TensorPrimitives.Subtract(buffers.Forecast.AsSpan(0, count * c), target.AsSpan(start * c, count * c), buffers.OutputGradient.AsSpan(0, count * c));
            sum += TensorPrimitives.SumOfSquares(buffers.OutputGradient.AsSpan(0, count * c));
        }

        return sum / ((double)(to - from) * c);
    }

    private double PersistenceError(ReadOnlySpan<float> context, ReadOnlySpan<float> target, int rows)
    {
        var c = Channels;
        var contextLength = Context * c;
        var sum = 0.0;
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < c; j++)
            {
                var e = (double)context[(i * contextLength) + ((Context - 1) * c) + j] - target[(i * c) + j];
                sum += e * e;
            }
        }

        return sum / ((double)rows * c);
    }

    /// <summary>Forecast[rows × channels] = last context row + head(convolutions(context)).</summary>
    private void Forward(Buffers buffers, int rows)
    {
        var c = Channels;
        for (var k = 0; k < _convolutions.Length; k++)
        {
            // Layer k reads its input two positions at a time: the pair (t − 2^k, t) of a dilated causal convolution.
            _convolutions[k].Forward(buffers.Activations[k], buffers.Activations[k + 1], rows * (Context >> (k + 1)));
        }

        _head!.Forward(buffers.Activations[^1], buffers.Output, rows);
        var contextLength = Context * c;
        for (var r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(
                buffers.Output.AsSpan(r * c, c),
                buffers.Activations[0].AsSpan((r * contextLength) + ((Context - 1) * c), c),
                buffers.Forecast.AsSpan(r * c, c));
        }
    }

    private void EnsureFitted(int columns)
    {
        if (!IsFitted)
        {
            throw new InvalidOperationException("the forecaster has not been fitted");
        }

        if (columns != FeatureCount)
        {
            throw new ArgumentException($"the forecaster was fitted on {FeatureCount} features, not {columns}");
        }
    }

    /// <summary>Activations and gradients of every layer for a batch of windows.</summary>
    private sealed class Buffers
    {
        public Buffers(TemporalConvolutionForecaster model, int batch)
        {
            var c = model.Channels;
            var h = model.Options.Hidden;
            var depth = model._convolutions.Length;
            Activations = new float[depth + 1][];
            Gradients = new float[depth + 1][];
            for (var k = 0; k <= depth; k++)
            {
                var width = k == 0 ? c : h;
                Activations[k] = new float[batch * (model.Context >> k) * width];
                Gradients[k] = new float[Activations[k].Length];
            }

            Output = new float[batch * c];
            Forecast = new float[batch * c];
            Target = new float[batch * c];
            OutputGradient = new float[batch * c];
        }

        public float[][] Activations { get; }

        public float[][] Gradients { get; }

        public float[] Output { get; }

        public float[] Forecast { get; }

        public float[] Target { get; }

        public float[] OutputGradient { get; }
    }
}

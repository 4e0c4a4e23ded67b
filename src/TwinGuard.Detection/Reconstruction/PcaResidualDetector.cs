using System.Runtime.Intrinsics;

namespace TwinGuard.Detection.Reconstruction;

/// <summary>
/// Principal-component monitoring with Hotelling's T² and the Q (squared prediction error) statistic: a row is
/// anomalous when it is far from normal inside the principal subspace (T²) or when it leaves that subspace (Q).
/// </summary>
/// <remarks>
/// Jackson and Mudholkar, "Control procedures for residuals associated with principal component analysis",
/// Technometrics 21(3), 1979; the combined index follows Yue and Qin, "Reconstruction-based fault identification
/// using a combined index", Ind. Eng. Chem. Res. 40(20), 2001, with each statistic normalised by its training quantile
/// instead of its theoretical limit (plant data are rarely Gaussian). Features are standardised on the training rows.
/// The raw index r = T²/T²_q + Q/Q_q maps to the score r / (1 + r), so a score's odds are the index itself.
/// Explanations are each feature's share of Q plus its share of T² (the T² contributions of Westerhuis et al.,
/// J. Chemometrics 14, 2000, clipped at 0).
/// </remarks>
public sealed class PcaResidualDetector : IAnomalyDetector
{
    /// <summary>Widest row standardised on the stack (as <see cref="Index"/> does); wider ones go to the heap.</summary>
    private const int MaxStackColumns = 512;

    private readonly Features.Standardizer _standardizer = new();
    private double[] _components = []; // d × k, row-major
    private double[] _eigenvalues = [];
    private int _k;
    private double _t2Scale = 1;
    private double _qScale = 1;

    /// <summary>Creates an unfitted detector.</summary>
    public PcaResidualDetector(PcaResidualOptions? options = null)
    {
        Options = options ?? new PcaResidualOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.ExplainedVariance);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Options.ExplainedVariance, 1.0);
    }

    /// <inheritdoc />
    public string Name => "pca";

    /// <summary>The parameters.</summary>
    public PcaResidualOptions Options { get; }

    /// <inheritdoc />
    public int FeatureCount { get; private set; }

    /// <inheritdoc />
    public bool IsFitted => FeatureCount > 0;

    /// <summary>Number of principal components kept.</summary>
    public int Components => _k;

    /// <summary>The fitted model for a reference computation in the tests: loadings (features × components, row-major), eigenvalues, the standardizer, the T² and Q scales.</summary>
    internal (double[] Loadings, double[] Eigenvalues, Features.Standardizer Standardizer, double T2Scale, double QScale) Fitted =>
        (_components, _eigenvalues, _standardizer, _t2Scale, _qScale);

    /// <inheritdoc />
    public void Fit(FeatureMatrix training) => FitCore(training, default);

    /// <inheritdoc />
    public void FitAndScore(FeatureMatrix training, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (scores.Length < training.Rows)
        {
            throw new ArgumentException($"{scores.Length} score slots for {training.Rows} rows", nameof(scores));
        }

        FitCore(training, scores);
    }

    /// <summary>Fits; with <paramref name="scores"/>, also writes each training row's score (the statistics of every
    /// training row are computed to normalise them: the same values <see cref="Score(ReadOnlySpan{double})"/> would).</summary>
    private void FitCore(FeatureMatrix training, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (training.Rows < 2)
        {
            throw new ArgumentException("PCA needs at least two training rows", nameof(training));
        }

        _standardizer.Fit(training);
        // One standardised row at a time, never a standardised copy of the training window: at a twin's retraining
        // that copy (thousands of rows) went to the large object heap and cost a gen 2 collection.
        var d = training.Columns;
        Span<double> row = d <= MaxStackColumns ? stackalloc double[d] : new double[d];
        var cov = new double[d * d];
        for (var i = 0; i < training.Rows; i++)
        {
            _standardizer.Transform(training.Row(i), row);
            for (var a = 0; a < d; a++)
            {
                var ra = row[a];
                for (var b = a; b < d; b++)
                {
                    cov[(a * d) + b] += ra * row[b];
                }
            }
        }

        for (var a = 0; a < d; a++)
        {
            for (var b = a; b < d; b++)
            {
                cov[(a * d) + b] /= training.Rows - 1;
                cov[(b * d) + a] = cov[(a * d) + b];
            }
        }

        var (values, vectors) = SymmetricEigen.Decompose(cov, d);
        var total = values.Sum(v => Math.Max(v, 0));
        var k = 0;
        var explained = 0.0;
        while (k < d && (k == 0 || explained < Options.ExplainedVariance * total))
        {
            explained += Math.Max(values[k], 0);
            k++;
        }

        _k = k;
        _components = new double[d * k];
        _eigenvalues = new double[k];
        for (var c = 0; c < k; c++)
        {
            _eigenvalues[c] = Math.Max(values[c], 1e-9);
            for (var a = 0; a < d; a++)
            {
                _components[(a * k) + c] = vectors[(a * d) + c];
            }
        }

        FeatureCount = d;
        _t2Scale = 1;
        _qScale = 1;
        var t2 = new double[training.Rows];
        var q = new double[training.Rows];
        Span<double> projected = stackalloc double[k];
        for (var i = 0; i < training.Rows; i++)
        {
            _standardizer.Transform(training.Row(i), row);
            (t2[i], q[i]) = Statistics(row, projected, default);
        }

        _t2Scale = Math.Max(Thresholds.ScoreThreshold.QuantileOf(t2, Options.NormalisingQuantile), 1e-12);
        _qScale = Math.Max(Thresholds.ScoreThreshold.QuantileOf(q, Options.NormalisingQuantile), 1e-12);
        if (!scores.IsEmpty)
        {
            for (var i = 0; i < training.Rows; i++)
            {
                scores[i] = ScoreOf((t2[i] / _t2Scale) + (q[i] / _qScale));
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Four rows at a time, one per lane of a vector (<see cref="ScoreFour"/>): each row's sums run in the order
    /// <see cref="Score(ReadOnlySpan{double})"/> runs them, so every score is the same to the last bit. A twin's anchor
    /// model judges its learned states this way, and a refit scores its training rows.
    /// </remarks>
    public void Score(FeatureMatrix rows, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var i = 0;
        if (Vector256.IsHardwareAccelerated && rows.Rows >= Vector256<double>.Count && rows.Columns <= MaxStackColumns)
        {
            EnsureFitted(rows.Columns);
            Span<Vector256<double>> z = stackalloc Vector256<double>[FeatureCount];
            Span<Vector256<double>> projected = stackalloc Vector256<double>[_k];
            for (; i + Vector256<double>.Count <= rows.Rows; i += Vector256<double>.Count)
            {
                ScoreFour(rows, i, z, projected, scores.Slice(i, Vector256<double>.Count));
            }
        }

        for (; i < rows.Rows; i++)
        {
            scores[i] = Score(rows.Row(i));
        }
    }

    /// <summary>
    /// Scores rows <paramref name="first"/> to <paramref name="first"/> + 3, one per lane: the arithmetic of
    /// <see cref="Index"/> and <see cref="Statistics"/> element by element (no fused multiply-add, the same order of
    /// every sum), so the lanes hold the scalar path's values; the four rows' sums are independent chains, which is what
    /// makes it faster than four scalar passes whose every add waits for the one before.
    /// </summary>
    private void ScoreFour(FeatureMatrix rows, int first, Span<Vector256<double>> z, Span<Vector256<double>> projected, Span<double> scores)
    {
        var d = FeatureCount;
        var k = _k;
        var r0 = rows.Row(first);
        var r1 = rows.Row(first + 1);
        var r2 = rows.Row(first + 2);
        var r3 = rows.Row(first + 3);
        var (mean, scale) = _standardizer.Parameters;
        for (var a = 0; a < d; a++)
        {
            // (x − mean) / scale, as Standardizer.Transform.
            z[a] = (Vector256.Create(r0[a], r1[a], r2[a], r3[a]) - Vector256.Create(mean[a])) / Vector256.Create(scale[a]);
        }

        // Projections feature by feature into every component's sum: each sum still adds its features in order.
        projected.Clear();
        for (var a = 0; a < d; a++)
        {
            var za = z[a];
            var loadings = _components.AsSpan(a * k, k);
            for (var c = 0; c < k; c++)
            {
                projected[c] += za * Vector256.Create(loadings[c]);
            }
        }

        var t2 = Vector256<double>.Zero;
        for (var c = 0; c < k; c++)
        {
            t2 += projected[c] * projected[c] / Vector256.Create(_eigenvalues[c]);
        }

        var q = Vector256<double>.Zero;
        for (var a = 0; a < d; a++)
        {
            var reconstructed = Vector256<double>.Zero;
            var loadings = _components.AsSpan(a * k, k);
            for (var c = 0; c < k; c++)
            {
                reconstructed += projected[c] * Vector256.Create(loadings[c]);
            }

            var residual = z[a] - reconstructed;
            q += residual * residual;
        }

        var index = (t2 / Vector256.Create(_t2Scale)) + (q / Vector256.Create(_qScale));
        for (var lane = 0; lane < Vector256<double>.Count; lane++)
        {
            scores[lane] = ScoreOf(index.GetElement(lane));
        }
    }

    /// <inheritdoc />
    public double Score(ReadOnlySpan<double> row) => ScoreOf(Index(row));

    /// <summary>The combined index T²/T²_q + Q/Q_q of <paramref name="row"/>.</summary>
    public double Index(ReadOnlySpan<double> row)
    {
        EnsureFitted(row.Length);
        Span<double> z = stackalloc double[FeatureCount];
        Span<double> projected = stackalloc double[_k];
        _standardizer.Transform(row, z);
        var (t2, q) = Statistics(z, projected, default);
        return (t2 / _t2Scale) + (q / _qScale);
    }

    /// <inheritdoc />
    public void Explain(ReadOnlySpan<double> row, Span<double> contributions)
    {
        EnsureFitted(row.Length);
        Span<double> z = stackalloc double[FeatureCount];
        Span<double> projected = stackalloc double[_k];
        _standardizer.Transform(row, z);
        Statistics(z, projected, contributions);
    }

    /// <inheritdoc />
    public double ScoreAndExplain(ReadOnlySpan<double> row, Span<double> contributions)
    {
        EnsureFitted(row.Length);
        Span<double> z = stackalloc double[FeatureCount];
        Span<double> projected = stackalloc double[_k];
        _standardizer.Transform(row, z);
        var (t2, q) = Statistics(z, projected, contributions);
        return ScoreOf((t2 / _t2Scale) + (q / _qScale));
    }

    /// <summary>The index r mapped to the score r / (1 + r) in [0, 1].</summary>
    private static double ScoreOf(double r) => double.IsNaN(r) ? 1.0 : double.IsPositiveInfinity(r) ? 1.0 : r / (1.0 + r);

    // Scalar loops: vector passes over the loadings (TensorPrimitives multiply-adds, bit-identical) measured no faster
    // at the twins' 16-24 features and handful of components (docs/detection.md, issue #24).
    private (double T2, double Q) Statistics(ReadOnlySpan<double> z, Span<double> projected, Span<double> contributions)
    {
        var d = FeatureCount;
        var k = _k;
        // Feature by feature into every component's sum (the loadings row-major, read in order): each component's sum
        // adds its features in the same order as a sum per component would, but the k sums are independent chains.
        projected[..k].Clear();
        for (var a = 0; a < d; a++)
        {
            var za = z[a];
            var loadings = _components.AsSpan(a * k, k);
            for (var c = 0; c < k; c++)
            {
                projected[c] += za * loadings[c];
            }
        }

        var t2 = 0.0;
        for (var c = 0; c < k; c++)
        {
            t2 += projected[c] * projected[c] / _eigenvalues[c];
        }

        var q = 0.0;
        if (contributions.IsEmpty)
        {
            for (var a = 0; a < d; a++)
            {
                var reconstructed = 0.0;
                for (var c = 0; c < k; c++)
                {
                    reconstructed += projected[c] * _components[(a * k) + c];
                }

                var residual = z[a] - reconstructed;
                q += residual * residual;
            }

            return (t2, q);
        }

        // projected[c] / λc, once per component rather than once per feature and component (the same quotient).
        Span<double> weighted = stackalloc double[k];
        for (var c = 0; c < k; c++)
        {
            weighted[c] = projected[c] / _eigenvalues[c];
        }

        for (var a = 0; a < d; a++)
        {
            var reconstructed = 0.0;
            var t2Part = 0.0;
            for (var c = 0; c < k; c++)
            {
                reconstructed += projected[c] * _components[(a * k) + c];
                t2Part += weighted[c] * _components[(a * k) + c];
            }

            var residual = z[a] - reconstructed;
            q += residual * residual;
            contributions[a] = (residual * residual / _qScale) + Math.Max(0, t2Part * z[a] / _t2Scale);
        }

        return (t2, q);
    }

    private void EnsureFitted(int columns)
    {
        if (!IsFitted)
        {
            throw new InvalidOperationException("the PCA detector has not been fitted");
        }

        if (columns != FeatureCount)
        {
            throw new ArgumentException($"the detector was fitted on {FeatureCount} features, not {columns}");
        }
    }
}

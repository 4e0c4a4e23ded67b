using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TwinGuard.Detection.IsolationForests;

/// <summary>
/// Isolation Forest (Liu, Ting and Zhou, ICDM 2008): anomalies are few and different, so random axis-parallel splits
/// isolate them in fewer steps than normal points.
/// </summary>
/// <remarks>
/// <para>Fitting follows the paper's Algorithms 1 and 2: each of t trees grows from ψ rows drawn without replacement,
/// splitting on a random attribute q at a value p uniform in [min q, max q) until a node holds one row, its rows are all
/// equal, or the height limit ceiling(log2 ψ) is reached. Like scikit-learn, a split attribute that is constant in the
/// node is redrawn from the remaining attributes (the paper's pseudo-code would waste the level on an empty split).
/// Path length (Algorithm 3) is the number of edges to the external node plus c(size) for the rows left in it;
/// the score is 2^(−E[h]/c(ψ)).</para>
/// <para>Storage is flat, struct-of-arrays: every tree is a complete binary tree of the height limit, so node i has
/// children 2i + 1 and 2i + 2 and traversal is a fixed number of branch-free steps. An external node above the last
/// level copies its path length into every leaf below it, which makes the pass-through splits irrelevant. Batch
/// scoring goes tree by tree over L1-sized blocks of rows, twelve interleaved walks at a time so that their dependent
/// loads overlap (IsolationForest.TreeMajor.cs), and splits the rows across cores when
/// <see cref="IsolationForestOptions.MaxDegreeOfParallelism"/> allows it.</para>
/// <para>Each tree's random stream is derived from the seed and the tree's index, so the model is the same whatever
/// the degree of parallelism.</para>
/// </remarks>
public sealed partial class IsolationForest : IAnomalyDetector
{
    private const int Interleave = 8;
    private const int RowsPerTask = 2048;

    private int[] _feature = [];
    private double[] _threshold = [];
    private double[] _leafPathLength = [];
    private int[] _blockOffset = []; // feature · block rows: where a node's value sits in the tree-major scratch block
    private int _blockRows;
    private int _internalPerTree;
    private int _leavesPerTree;

    /// <summary>Creates an unfitted forest.</summary>
    public IsolationForest(IsolationForestOptions? options = null)
    {
        Options = options ?? new IsolationForestOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.Trees);
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.SubsampleSize, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(Options.MaxDegreeOfParallelism);
        if (Options.HeightLimit is { } limit)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(limit);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 24);
        }
    }

    /// <inheritdoc />
    public string Name => "iforest";

    /// <summary>The parameters.</summary>
    public IsolationForestOptions Options { get; }

    /// <inheritdoc />
    public int FeatureCount { get; private set; }

    /// <inheritdoc />
    public bool IsFitted => FeatureCount > 0;

    /// <summary>ψ actually used: the configured sub-sample size, or fewer when the training set is smaller.</summary>
    public int SubsampleSize { get; private set; }

    /// <summary>The height limit actually used.</summary>
    public int Height { get; private set; }

    /// <summary>Bytes held by the fitted trees.</summary>
    public long ModelBytes => (_feature.LongLength * sizeof(int)) + (_threshold.LongLength * sizeof(double)) +
                              (_leafPathLength.LongLength * sizeof(double)) + (_blockOffset.LongLength * sizeof(int));

    /// <inheritdoc />
    public void Fit(FeatureMatrix training)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (training.Rows < 1)
        {
            throw new ArgumentException("an isolation forest needs at least one training row", nameof(training));
        }

        var psi = Math.Min(Options.SubsampleSize, training.Rows);
        var height = Options.HeightLimit ?? PathLength.HeightLimit(psi);
        var internalPerTree = (1 << height) - 1;
        var leavesPerTree = 1 << height;
        var trees = Options.Trees;
        var feature = new int[trees * internalPerTree];
        var threshold = new double[trees * internalPerTree];
        var leaves = new double[trees * leavesPerTree];

        void Grow(int tree)
        {
            var builder = new IsolationTreeBuilder(
                training, psi, height, DeterministicRandom.Derive(Options.Seed, (ulong)tree));
            builder.Build(
                feature.AsSpan(tree * internalPerTree, internalPerTree),
                threshold.AsSpan(tree * internalPerTree, internalPerTree),
                leaves.AsSpan(tree * leavesPerTree, leavesPerTree));
        }

        if (Options.MaxDegreeOfParallelism == 1)
        {
            for (var t = 0; t < trees; t++)
            {
                Grow(t);
            }
        }
        else
        {
            Parallel.For(0, trees, ParallelOptions(), Grow);
        }

        _feature = feature;
        _threshold = threshold;
        _leafPathLength = leaves;
        _blockRows = BlockRowsFor(training.Columns);
        _blockOffset = [.. feature.Select(f => f * _blockRows)];
        _internalPerTree = internalPerTree;
        _leavesPerTree = leavesPerTree;
        SubsampleSize = psi;
        Height = height;
        FeatureCount = training.Columns;
    }

    /// <inheritdoc />
    public void Score(FeatureMatrix rows, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(rows);
        EnsureFitted(rows.Columns);
        if (scores.Length < rows.Rows)
        {
            throw new ArgumentException($"{scores.Length} score slots for {rows.Rows} rows", nameof(scores));
        }

        var n = rows.Rows;
        if (Options.MaxDegreeOfParallelism == 1 || n < 2 * RowsPerTask)
        {
            ScoreRange(rows.Values, rows.Columns, 0, n, scores);
            return;
        }

        // Span cannot be captured by the lambda; score into a pooled array when the caller's span is not an array.
        var target = new double[n];
        var tasks = (n + RowsPerTask - 1) / RowsPerTask;
        Parallel.For(0, tasks, ParallelOptions(), task =>
        {
            var start = task * RowsPerTask;
            var count = Math.Min(RowsPerTask, n - start);
            ScoreRange(rows.Values, rows.Columns, start, count, target.AsSpan(start, count));
        });
        target.CopyTo(scores);
    }

    /// <summary>Scores rows into an array, splitting the work across cores when the options allow it.</summary>
    public double[] Score(FeatureMatrix rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var scores = new double[rows.Rows];
        Score(rows, scores);
        return scores;
    }

    /// <inheritdoc />
    public double Score(ReadOnlySpan<double> row)
    {
        EnsureFitted(row.Length);
        var sum = 0.0;
        for (var t = 0; t < Options.Trees; t++)
        {
            sum += _leafPathLength[(t * _leavesPerTree) + Leaf(t, row)];
        }

        // The same expression as batch scoring, so a row gets the same score bit for bit either way.
        return Math.Pow(2.0, sum * ScoreScale());
    }

    /// <summary>E[h(x)]: the path length of <paramref name="row"/> averaged over the trees (Algorithm 3).</summary>
    public double MeanPathLength(ReadOnlySpan<double> row)
    {
        EnsureFitted(row.Length);
        var sum = 0.0;
        for (var t = 0; t < Options.Trees; t++)
        {
            sum += _leafPathLength[(t * _leavesPerTree) + Leaf(t, row)];
        }

        return sum / Options.Trees;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A split on feature f along the row's path in a tree credits f with 1/h, h being that tree's path length: the
    /// features that isolate the row early, in many trees, are the ones that make it anomalous. Contributions sum to 1.
    /// </remarks>
    public void Explain(ReadOnlySpan<double> row, Span<double> contributions)
    {
        EnsureFitted(row.Length);
        if (contributions.Length < FeatureCount)
        {
            throw new ArgumentException($"{contributions.Length} slots for {FeatureCount} features", nameof(contributions));
        }

        contributions[..FeatureCount].Clear();
        Span<int> path = stackalloc int[Math.Max(Height, 1)];
        var total = 0.0;
        for (var t = 0; t < Options.Trees; t++)
        {
            var baseIndex = t * _internalPerTree;
            var node = 0;
            var depth = 0;
            for (var level = 0; level < Height; level++)
            {
                var f = _feature[baseIndex + node];
                var th = _threshold[baseIndex + node];
                if (!double.IsPositiveInfinity(th))
                {
                    path[depth++] = f;
                }

                node = (2 * node) + 1 + (row[f] >= th ? 1 : 0);
            }

            var h = _leafPathLength[(t * _leavesPerTree) + node - _internalPerTree];
            var weight = 1.0 / Math.Max(h, 1.0);
            for (var i = 0; i < depth; i++)
            {
                contributions[path[i]] += weight;
                total += weight;
            }
        }

        if (total > 0)
        {
            for (var f = 0; f < FeatureCount; f++)
            {
                contributions[f] /= total;
            }
        }
    }

    private int Leaf(int tree, ReadOnlySpan<double> row)
    {
        var baseIndex = tree * _internalPerTree;
        var node = 0;
        for (var level = 0; level < Height; level++)
        {
            node = (2 * node) + 1 + (row[_feature[baseIndex + node]] >= _threshold[baseIndex + node] ? 1 : 0);
        }

        return node - _internalPerTree;
    }

    // Optimised at first call: a batch is one long call, which tiered compilation would leave in on-stack-replaced code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScoreRange(double[] values, int columns, int start, int count, Span<double> scores)
    {
        switch (ChosenTraversal())
        {
            case TreeTraversal.Avx2Gather:
                ScoreRangeGather(values, columns, start, count, scores);
                return;
            case TreeTraversal.TreeMajor when Height > 0: // a forest of single external nodes has no root to hoist
                ScoreRangeTreeMajor(values, columns, start, count, scores);
                return;
        }

        var trees = Options.Trees;
        var height = Height;
        var internalPerTree = _internalPerTree;
        var leavesPerTree = _leavesPerTree;
        ref var feature0 = ref MemoryMarshal.GetArrayDataReference(_feature);
        ref var threshold0 = ref MemoryMarshal.GetArrayDataReference(_threshold);
        ref var leaf0 = ref MemoryMarshal.GetArrayDataReference(_leafPathLength);
        ref var x0 = ref MemoryMarshal.GetArrayDataReference(values);
        var scale = ScoreScale();

        var r = 0;
        for (; r + Interleave <= count; r += Interleave)
        {
            // Eight independent walks per tree: each step is load feature, load value, compare, so the CPU overlaps
            // the eight chains of dependent loads instead of waiting on one.
            ref var row0 = ref Unsafe.Add(ref x0, (nint)(start + r) * columns);
            ref var row1 = ref Unsafe.Add(ref row0, columns);
            ref var row2 = ref Unsafe.Add(ref row1, columns);
            ref var row3 = ref Unsafe.Add(ref row2, columns);
            ref var row4 = ref Unsafe.Add(ref row3, columns);
            ref var row5 = ref Unsafe.Add(ref row4, columns);
            ref var row6 = ref Unsafe.Add(ref row5, columns);
            ref var row7 = ref Unsafe.Add(ref row6, columns);
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            for (var t = 0; t < trees; t++)
            {
                ref var f = ref Unsafe.Add(ref feature0, t * internalPerTree);
                ref var th = ref Unsafe.Add(ref threshold0, t * internalPerTree);
                ref var lf = ref Unsafe.Add(ref leaf0, (t * leavesPerTree) - internalPerTree);
                nint n0 = 0, n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0, n6 = 0, n7 = 0;
                for (var level = 0; level < height; level++)
                {
                    n0 = Step(ref f, ref th, ref row0, n0);
                    n1 = Step(ref f, ref th, ref row1, n1);
                    n2 = Step(ref f, ref th, ref row2, n2);
                    n3 = Step(ref f, ref th, ref row3, n3);
                    n4 = Step(ref f, ref th, ref row4, n4);
                    n5 = Step(ref f, ref th, ref row5, n5);
                    n6 = Step(ref f, ref th, ref row6, n6);
                    n7 = Step(ref f, ref th, ref row7, n7);
                }

                s0 += Unsafe.Add(ref lf, n0);
                s1 += Unsafe.Add(ref lf, n1);
                s2 += Unsafe.Add(ref lf, n2);
                s3 += Unsafe.Add(ref lf, n3);
                s4 += Unsafe.Add(ref lf, n4);
                s5 += Unsafe.Add(ref lf, n5);
                s6 += Unsafe.Add(ref lf, n6);
                s7 += Unsafe.Add(ref lf, n7);
            }

            scores[r] = Math.Pow(2.0, s0 * scale);
            scores[r + 1] = Math.Pow(2.0, s1 * scale);
            scores[r + 2] = Math.Pow(2.0, s2 * scale);
            scores[r + 3] = Math.Pow(2.0, s3 * scale);
            scores[r + 4] = Math.Pow(2.0, s4 * scale);
            scores[r + 5] = Math.Pow(2.0, s5 * scale);
            scores[r + 6] = Math.Pow(2.0, s6 * scale);
            scores[r + 7] = Math.Pow(2.0, s7 * scale);
        }

        for (; r < count; r++)
        {
            ref var row = ref Unsafe.Add(ref x0, (nint)(start + r) * columns);
            var s = 0.0;
            for (var t = 0; t < trees; t++)
            {
                ref var f = ref Unsafe.Add(ref feature0, t * internalPerTree);
                ref var th = ref Unsafe.Add(ref threshold0, t * internalPerTree);
                nint node = 0;
                for (var level = 0; level < height; level++)
                {
                    node = Step(ref f, ref th, ref row, node);
                }

                s += Unsafe.Add(ref leaf0, (t * leavesPerTree) - internalPerTree + node);
            }

            scores[r] = Math.Pow(2.0, s * scale);
        }
    }

    // s = 2^(−E[h]/c(ψ)) = 2^(Σh · scale), scale = −1/(c(ψ)·t). With one training row c(1) = 0 and every score is 1.
    private double ScoreScale()
    {
        var c = PathLength.Average(SubsampleSize);
        return c <= 0 ? 0.0 : -1.0 / (c * Options.Trees);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Step(ref int feature, ref double threshold, ref double row, nint node)
    {
        // Branch-free: the comparison is a coin flip for the predictor, so a setcc beats a jump.
        var x = Unsafe.Add(ref row, Unsafe.Add(ref feature, node));
        return (2 * node) + 1 + Unsafe.BitCast<bool, byte>(x >= Unsafe.Add(ref threshold, node));
    }

    private ParallelOptions ParallelOptions() => new()
    {
        MaxDegreeOfParallelism = Options.MaxDegreeOfParallelism == 0 ? -1 : Options.MaxDegreeOfParallelism,
    };

    private void EnsureFitted(int columns)
    {
        if (!IsFitted)
        {
            throw new InvalidOperationException("the isolation forest has not been fitted");
        }

        if (columns != FeatureCount)
        {
            throw new ArgumentException($"the forest was fitted on {FeatureCount} features, not {columns}");
        }
    }
}

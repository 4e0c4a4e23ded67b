using System.Runtime.CompilerServices;

namespace TwinGuard.Detection.IsolationForests;

/// <summary>Grows one isolation tree (ICDM 2008, Algorithm 2) into the flat complete-tree layout.</summary>
internal sealed class IsolationTreeBuilder
{
    private readonly int _psi;
    private readonly int _height;
    private readonly int _columns;
    private readonly double[] _sample; // column-major: _sample[q * psi + j]
    private readonly int[] _order;
    private readonly int[] _attributes;
    private DeterministicRandom _random;

    public IsolationTreeBuilder(FeatureMatrix training, int psi, int height, ulong seed)
    {
        _psi = psi;
        _height = height;
        _columns = training.Columns;
        _random = new DeterministicRandom(seed);
        _sample = new double[psi * _columns];
        _order = new int[psi];
        _attributes = new int[_columns];
        Span<int> rows = psi <= 1024 ? stackalloc int[psi] : new int[psi];
        SampleWithoutReplacement(training.Rows, rows);
        for (var j = 0; j < psi; j++)
        {
            var row = training.Row(rows[j]);
            for (var q = 0; q < _columns; q++)
            {
                _sample[(q * psi) + j] = row[q];
            }

            _order[j] = j;
        }
    }

    public void Build(Span<int> feature, Span<double> threshold, Span<double> leaves)
    {
        Grow(feature, threshold, leaves, node: 0, depth: 0, lo: 0, hi: _psi);
    }

    private void Grow(Span<int> feature, Span<double> threshold, Span<double> leaves, int node, int depth, int lo, int hi)
    {
        var size = hi - lo;
        if (depth < _height && size > 1 && TrySplit(lo, hi, out var q, out var p, out var mid))
        {
            feature[node] = q;
            threshold[node] = p;
            Grow(feature, threshold, leaves, (2 * node) + 1, depth + 1, lo, mid);
            Grow(feature, threshold, leaves, (2 * node) + 2, depth + 1, mid, hi);
            return;
        }

        // External node: h = e + c(size) (Algorithm 3). Every leaf of the complete layout below it gets that value;
        // the pass-through nodes between are marked with +∞ so that explanations skip them.
        var pathLength = depth + PathLength.Average(size);
        var first = node;
        var count = 1;
        for (var level = depth; level < _height; level++)
        {
            for (var i = first; i < first + count; i++)
            {
                feature[i] = 0;
                threshold[i] = double.PositiveInfinity;
            }

            first = (2 * first) + 1;
            count *= 2;
        }

        leaves.Slice(first - feature.Length, count).Fill(pathLength);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TrySplit(int lo, int hi, out int attribute, out double split, out int mid)
    {
        // Draw attributes without replacement until one varies in this node (as scikit-learn's splitter does).
        for (var q = 0; q < _columns; q++)
        {
            _attributes[q] = q;
        }

        for (var remaining = _columns; remaining > 0; remaining--)
        {
            var pick = _random.NextInt(remaining);
            var q = _attributes[pick];
            _attributes[pick] = _attributes[remaining - 1];
            var column = _sample.AsSpan(q * _psi, _psi);
            var min = double.PositiveInfinity;
            var max = double.NegativeInfinity;
            for (var i = lo; i < hi; i++)
            {
                var v = column[_order[i]];
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            if (!(max > min))
            {
                continue;
            }

            var p = min + (_random.NextDouble() * (max - min));
            if (p >= max)
            {
                p = min; // rounding at the top of the range; keeps p in [min, max)
            }

            // Partition: x < p to the left, x ≥ p to the right (Algorithm 2).
            var left = lo;
            var right = hi - 1;
            while (left <= right)
            {
                if (column[_order[left]] < p)
                {
                    left++;
                }
                else
                {
                    (_order[left], _order[right]) = (_order[right], _order[left]);
                    right--;
                }
            }

            attribute = q;
            split = p;
            mid = left;
            return true;
        }

        attribute = 0;
        split = 0;
        mid = lo;
        return false;
    }

    private void SampleWithoutReplacement(int n, Span<int> into)
    {
        var k = into.Length;
        if (k == n)
        {
            for (var i = 0; i < n; i++)
            {
                into[i] = i;
            }

            return;
        }

        // Floyd's algorithm (Bentley, "Programming Pearls", column 11): k draws, no n-sized scratch array.
        var chosen = new HashSet<int>(k);
        var j = 0;
        for (var i = n - k; i < n; i++)
        {
            var r = _random.NextInt(i + 1);
            var pick = chosen.Add(r) ? r : i;
            if (pick == i)
            {
                chosen.Add(i);
            }

            into[j++] = pick;
        }
    }
}

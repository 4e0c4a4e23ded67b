using TwinGuard.Detection.IsolationForests;

namespace TwinGuard.Detection.Tests.IsolationForests;

/// <summary>
/// Differential tests: every batch traversal must give, for every row, the same bits as the straightforward one-row
/// walk (<see cref="IsolationForest.Score(ReadOnlySpan{double})"/>), whatever the block and lane boundaries.
/// </summary>
public sealed class IsolationForestTraversalTests
{
    public static TheoryData<TreeTraversal, int, int, int> Shapes()
    {
        var data = new TheoryData<TreeTraversal, int, int, int>();
        foreach (var traversal in Enum.GetValues<TreeTraversal>())
        {
            // rows, columns, ψ: lane and block remainders (1, 15, 17, 12·21 + 5, 256 + 1), one column, wide rows
            // (smaller blocks; past 170 columns the block comes from the pool), ψ = 2 (height 1), ψ = 300 (height 9).
            data.Add(traversal, 1, 3, 256);
            data.Add(traversal, 15, 8, 256);
            data.Add(traversal, 17, 8, 16);
            data.Add(traversal, 257, 1, 256);
            data.Add(traversal, 3000 + 5, 8, 256);
            data.Add(traversal, 517, 150, 64);
            data.Add(traversal, 41, 200, 64);
            data.Add(traversal, 700, 5, 2);
            data.Add(traversal, 1201, 4, 300);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Score_EveryTraversal_BitIdenticalToOneRowWalk(TreeTraversal traversal, int rows, int columns, int psi)
    {
        var training = TestData.Gaussian(Math.Max(psi, 400), columns, seed: rows + columns);
        var forest = new IsolationForest(new IsolationForestOptions { Traversal = traversal, SubsampleSize = psi, Seed = 7 });
        forest.Fit(training);
        var scored = Scored(rows, columns);

        var batch = forest.Score(scored);

        for (var i = 0; i < rows; i++)
        {
            var expected = forest.Score(scored.Row(i));
            Assert.True(
                BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(batch[i]),
                $"row {i} of {rows}: batch {batch[i]:R}, one-row walk {expected:R}");
        }
    }

    [Fact]
    public void Score_TreeMajorWithAllCores_EqualsOneRowWalk()
    {
        var training = TestData.Gaussian(5000, 8, seed: 21);
        var forest = new IsolationForest(new IsolationForestOptions
        {
            Traversal = TreeTraversal.TreeMajor,
            MaxDegreeOfParallelism = 0,
        });
        forest.Fit(training);
        var scored = Scored(10_007, 8);

        var batch = forest.Score(scored);

        Assert.Equal(Enumerable.Range(0, scored.Rows).Select(i => forest.Score(scored.Row(i))), batch);
    }

    // Gaussian rows with outliers, exact ties with split-like values, signed zeros, infinities and NaN (which goes
    // left at every split, x ≥ p being false).
    private static FeatureMatrix Scored(int rows, int columns)
    {
        var matrix = TestData.Gaussian(rows, columns, seed: 1000 + rows);
        var special = new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 1e300, -1e300 };
        for (var i = 0; i < rows; i += 7)
        {
            matrix[i, i % columns] = special[i / 7 % special.Length];
        }

        for (var i = 3; i < rows; i += 11)
        {
            matrix[i, (i + 1) % columns] = Math.Round(matrix[i, (i + 1) % columns], 1);
        }

        return matrix;
    }
}

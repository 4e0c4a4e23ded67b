using TwinGuard.Detection.IsolationForests;

namespace TwinGuard.Detection.Tests.IsolationForests;

public sealed class IsolationForestTests
{
    [Fact]
    public void MeanPathLength_TwoPoints_IsOneEdgeInEveryTree()
    {
        // ψ = 2, height limit 1: the root splits the two points apart, each external node holds one point, so
        // h = 1 + c(1) = 1 for any row, and s = 2^(−1/c(2)) = 0.5.
        var forest = new IsolationForest(new IsolationForestOptions { SubsampleSize = 2, Trees = 10 });
        forest.Fit(new FeatureMatrix([0.0, 1.0], 2, 1));

        Assert.Equal(1, forest.Height);
        Assert.Equal(1.0, forest.MeanPathLength([0.0]), 12);
        Assert.Equal(1.0, forest.MeanPathLength([5.0]), 12);
        Assert.Equal(0.5, forest.Score([5.0]), 12);
    }

    [Fact]
    public void MeanPathLength_AllRowsEqual_IsAverageOfSubsample()
    {
        // Nothing can be split: every tree is one external node holding ψ rows, h = 0 + c(ψ).
        var forest = new IsolationForest(new IsolationForestOptions { SubsampleSize = 64 });
        forest.Fit(TestData.Constant(100, 3, 7.5));

        Assert.Equal(PathLength.Average(64), forest.MeanPathLength([7.5, 7.5, 7.5]), 12);
        Assert.Equal(0.5, forest.Score([7.5, 7.5, 7.5]), 12);
    }

    [Fact]
    public void MeanPathLength_FourPointsOnALine_OutsidePointNeverDeeperThanHeightLimit()
    {
        var forest = new IsolationForest(new IsolationForestOptions { SubsampleSize = 4, Trees = 50 });
        forest.Fit(new FeatureMatrix([0.0, 1.0, 2.0, 3.0], 4, 1));

        // Height limit 2. An extreme point is in the outermost node at each level: h ∈ [1, 2].
        var h = forest.MeanPathLength([100.0]);
        Assert.InRange(h, 1.0, 2.0);
        Assert.True(forest.MeanPathLength([1.5]) >= h - 1e-12);
    }

    [Fact]
    public void Score_BatchAndSingleRow_AgreeExactly()
    {
        var data = TestData.Gaussian(1000, 5, seed: 3);
        var forest = new IsolationForest();
        forest.Fit(data);
        var batch = forest.Score(data);

        for (var i = 0; i < data.Rows; i += 37)
        {
            Assert.Equal(batch[i], forest.Score(data.Row(i)));
        }
    }

    [Fact]
    public void Score_ParallelBatch_EqualsSingleThread()
    {
        var data = TestData.Gaussian(10_000, 4, seed: 5);
        var one = new IsolationForest(new IsolationForestOptions { Seed = 9 });
        var all = new IsolationForest(new IsolationForestOptions { Seed = 9, MaxDegreeOfParallelism = 0 });
        one.Fit(data);
        all.Fit(data);

        Assert.Equal(one.Score(data), all.Score(data));
    }

    [Fact]
    public void Score_Avx2Gather_BitIdenticalToScalar()
    {
        var data = TestData.Gaussian(5003, 7, seed: 17);
        var scalar = new IsolationForest(new IsolationForestOptions { Traversal = TreeTraversal.Scalar });
        var gather = new IsolationForest(new IsolationForestOptions { Traversal = TreeTraversal.Avx2Gather });
        scalar.Fit(data);
        gather.Fit(data);

        // Without AVX2 the gather option falls back to the scalar walk, and the equality still holds.
        Assert.Equal(scalar.Score(data), gather.Score(data));
    }

    [Fact]
    public void Score_InjectedOutliers_RankAboveInliers()
    {
        var data = TestData.Gaussian(2000, 6, seed: 11);
        var forest = new IsolationForest();
        forest.Fit(data);
        var inlier = forest.Score(data).Average();
        var outlier = forest.Score([50, 60, 70, 80, 90, 100]);

        Assert.True(outlier > 0.6, $"outlier score {outlier}");
        Assert.True(inlier < 0.5, $"mean inlier score {inlier}");
    }

    [Fact]
    public void Explain_OutlierInOneFeature_BlamesThatFeature()
    {
        var data = TestData.Gaussian(2000, 4, seed: 13);
        var forest = new IsolationForest();
        forest.Fit(data);
        var row = data.Row(0).ToArray();
        row[2] = 1e6;
        var contributions = new double[4];
        forest.Explain(row, contributions);

        Assert.Equal(2, Array.IndexOf(contributions, contributions.Max()));
        Assert.Equal(1.0, contributions.Sum(), 9);
    }

    [Fact]
    public void Score_WrongFeatureCount_Throws()
    {
        var forest = new IsolationForest();
        forest.Fit(TestData.Gaussian(10, 3, seed: 1));

        Assert.Throws<ArgumentException>(() => forest.Score([1.0, 2.0]));
    }

    [Fact]
    public void Score_BeforeFit_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => new IsolationForest().Score([1.0]));
    }
}

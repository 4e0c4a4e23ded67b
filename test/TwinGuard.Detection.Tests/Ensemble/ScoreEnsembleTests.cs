using TwinGuard.Detection.Ensemble;
using TwinGuard.Detection.IsolationForests;
using TwinGuard.Detection.Reconstruction;

namespace TwinGuard.Detection.Tests.Ensemble;

public sealed class ScoreEnsembleTests
{
    [Fact]
    public void Score_MaxFusion_IsTheHigherMemberAndNeverBelowTheMean()
    {
        var data = TestData.Gaussian(400, 4, seed: 21);
        var probe = TestData.Gaussian(200, 4, seed: 22, scale: 2.5);
        ScoreEnsemble Fitted(ScoreFusion fusion)
        {
            var ensemble = new ScoreEnsemble([new PcaResidualDetector(), new IsolationForest(new IsolationForestOptions { Seed = 3 })], fusion);
            ensemble.Fit(data);
            return ensemble;
        }

        var max = Fitted(ScoreFusion.Max);
        var mean = Fitted(ScoreFusion.Mean);
        var maxScores = new double[probe.Rows];
        var meanScores = new double[probe.Rows];
        max.Score(probe, maxScores);
        mean.Score(probe, meanScores);

        var strictlyAbove = 0;
        for (var i = 0; i < probe.Rows; i++)
        {
            Assert.Equal(maxScores[i], max.Score(probe.Row(i)));
            Assert.True(maxScores[i] >= meanScores[i] - 1e-15, $"row {i}: max {maxScores[i]} < mean {meanScores[i]}");
            strictlyAbove += maxScores[i] > meanScores[i] ? 1 : 0;
        }

        // The members disagree on most rows, so the higher one is above their mean there.
        Assert.True(strictlyAbove > probe.Rows / 2, $"{strictlyAbove} of {probe.Rows}");
        Assert.Equal(ScoreFusion.Max, max.Fusion);
    }
}

using TwinGuard.Detection.Reconstruction;

namespace TwinGuard.Detection.Tests.Reconstruction;

public sealed class PcaResidualDetectorTests
{
    [Fact]
    public void Score_BrokenCorrelation_FlaggedAndExplained()
    {
        // flow = 0.8 × speed + noise; a row that keeps both in range but breaks the relation must stand out.
        var random = new Random(4);
        var training = new FeatureMatrix(500, 3);
        for (var i = 0; i < 500; i++)
        {
            var speed = 10 + (5 * random.NextDouble());
            training[i, 0] = speed;
            training[i, 1] = (0.8 * speed) + (0.05 * random.NextDouble());
            training[i, 2] = random.NextDouble();
        }

        var pca = new PcaResidualDetector();
        pca.Fit(training);
        var trainingScores = new double[500];
        pca.Score(training, trainingScores);
        double[] attack = [14.0, 8.0, 0.5]; // both in range, but 0.8 × 14 = 11.2
        var contributions = new double[3];
        pca.Explain(attack, contributions);

        Assert.True(pca.Score(attack) > trainingScores.Max());
        Assert.NotEqual(2, Array.IndexOf(contributions, contributions.Max()));
    }

    [Fact]
    public void ScoreAndExplain_AnyRow_EqualsScoreThenExplainExactly()
    {
        var random = new Random(5);
        var training = new FeatureMatrix(300, 6);
        for (var i = 0; i < training.Values.Length; i++)
        {
            training.Values[i] = (i % 6) + random.NextDouble();
        }

        var pca = new PcaResidualDetector();
        pca.Fit(training);
        var fused = new double[6];
        var separate = new double[6];
        for (var i = 0; i < 50; i++)
        {
            double[] row = [.. Enumerable.Range(0, 6).Select(j => j + (3 * random.NextDouble()) - 1)];
            var score = pca.ScoreAndExplain(row, fused);
            pca.Explain(row, separate);

            Assert.Equal(pca.Score(row), score);
            Assert.Equal(separate, fused);
        }
    }

    [Fact]
    public void FitAndScore_TrainingRows_EqualsFitThenScoreExactly()
    {
        var random = new Random(6);
        var training = new FeatureMatrix(400, 5);
        for (var i = 0; i < training.Values.Length; i++)
        {
            training.Values[i] = (i % 5 * 10) + random.NextDouble();
        }

        var fused = new PcaResidualDetector();
        var kept = new double[400];
        fused.FitAndScore(training, kept);
        var separate = new PcaResidualDetector();
        separate.Fit(training);
        var scored = new double[400];
        separate.Score(training, scored);

        Assert.Equal(scored, kept);
    }
}

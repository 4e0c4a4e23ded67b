using TwinGuard.Server.Offline;

namespace TwinGuard.Server.Tests.Offline;

public sealed class SkabEvaluationTests
{
    private static readonly string Data = SkabDataset.DataFolder(SkabLocation.Find());

    [Fact]
    public void PerfectChangePoints_AllFiles_Score92Point91AsPublished()
    {
        // ../shared/datasets/README.md: flagging exactly the 127 true change points scores 92.91 because overlapping
        // windows are cut. This pins our NAB implementation to the leaderboard's.
        var experiments = SkabDataset.Experiments.Select(n => SkabDataset.Load(Data, n)).ToList();
        var perfect = SkabEvaluator.PerfectChangePoints(experiments);

        Assert.Equal(34, experiments.Count);
        Assert.Equal(23_801, experiments.Sum(e => e.Sensors.Rows - SkabEvaluator.TrainingRows));
        Assert.Equal(127, perfect.Windows);
        Assert.Equal(92.91, Math.Round(perfect.Standard, 2));
        Assert.Equal(0, perfect.FalseAlarms);
    }

    [Fact]
    public void Evaluate_FewValveFiles_PcaDetectsTheValveClosing()
    {
        var experiments = new[] { "valve1/1", "valve1/3", "valve2/1" }.Select(n => SkabDataset.Load(Data, n)).ToList();
        var result = SkabEvaluator.Evaluate("pca", experiments);

        Assert.Equal(3, result.Files);
        Assert.True(result.Points.F1 > 0.7, $"F1 {result.Points.F1}");
        Assert.True(result.Points.FalseAlarmRate < 20, $"FAR {result.Points.FalseAlarmRate}");
        Assert.True(result.PlainEdges.Standard > 0, $"NAB {result.PlainEdges.Standard}");
    }

    [Fact]
    public void FileResult_FlagsAroundTheAnomaly_SplitsFalsePositivesBeforeAndAfter()
    {
        int[] truth = [0, 0, 1, 1, 1, 0, 0];
        bool[] predicted = [true, false, false, true, true, true, true];

        var file = SkabFileResult.From("x", truth, predicted);

        Assert.Equal(new PointMetrics(TruePositives: 2, FalsePositives: 3, FalseNegatives: 1, TrueNegatives: 1), file.Points);
        Assert.Equal(3, file.AnomalyRows);
        Assert.Equal(1, file.FalsePositivesBefore);
        Assert.Equal(2, file.FalsePositivesAfter);
        Assert.Equal(1, file.FirstFlagDelay);
        Assert.True(file.Detected);
    }

    [Fact]
    public void FileResult_NoAnomalousRowFlagged_IsMissedWithoutADelay()
    {
        var file = SkabFileResult.From("x", [0, 1, 1, 0], [true, false, false, true]);

        Assert.Null(file.FirstFlagDelay);
        Assert.False(file.Detected);
        Assert.Equal((1L, 1L), (file.FalsePositivesBefore, file.FalsePositivesAfter));
    }

    [Fact]
    public void Evaluate_FewFiles_PerFileCountsAddUpToTheSummedMatrix()
    {
        var experiments = new[] { "valve1/2", "other/9" }.Select(n => SkabDataset.Load(Data, n)).ToList();
        var result = SkabEvaluator.Evaluate("pca", experiments);

        Assert.Equal(["valve1/2", "other/9"], result.PerFile.Select(f => f.Name));
        var sum = result.PerFile.Aggregate(PointMetrics.Zero, (total, f) => total.Add(f.Points));
        Assert.Equal(result.Points, sum);
        Assert.All(result.PerFile, f => Assert.True(f.FalsePositivesBefore + f.FalsePositivesAfter <= f.Points.FalsePositives));
        Assert.Equal(experiments.Sum(e => e.Anomaly.Skip(SkabEvaluator.TrainingRows).Count(a => a != 0)),
            result.PerFile.Sum(f => f.AnomalyRows));
    }

    [Fact]
    public void Evaluate_IsolationForestOnRawValues_RunsWithBothEdgeRules()
    {
        var experiments = new[] { "other/3", "valve1/0" }.Select(n => SkabDataset.Load(Data, n)).ToList();
        var result = SkabEvaluator.Evaluate("iforest", experiments);

        var rows = experiments.Sum(e => e.Sensors.Rows - SkabEvaluator.TrainingRows);
        Assert.Equal(rows, result.Points.TruePositives + result.Points.FalsePositives + result.Points.FalseNegatives + result.Points.TrueNegatives);
        Assert.True(result.RollingEdges.FalseAlarms <= result.PlainEdges.FalseAlarms);
    }

    [Fact]
    public void Metrics_KnownConfusionMatrix_MatchLeaderboardFormulas()
    {
        var m = new PointMetrics(TruePositives: 60, FalsePositives: 10, FalseNegatives: 30, TrueNegatives: 90);

        Assert.Equal(60 / (60 + (40 / 2.0)), m.F1, 12);
        Assert.Equal(10.0, m.FalseAlarmRate, 12);
        Assert.Equal(100.0 * 30 / 90, m.MissedAlarmRate, 12);
    }

    [Fact]
    public void ChangePointScore_DetectionAtWindowEnd_EarnsTheFalsePositiveReward()
    {
        long[] seconds = [.. Enumerable.Range(0, 200).Select(i => (long)i)];
        var truth = new int[200];
        truth[50] = 1;
        var atStart = new bool[200];
        atStart[50] = true;
        var late = new bool[200];
        late[110] = true; // 60 s after the change point: the window's last second
        var outside = new bool[200];
        outside[150] = true;

        Assert.Equal(100.0, ChangePointScorer.Score([(seconds, truth, atStart)]).Standard, 9);
        // Reward A_fp = −0.11 at the end: 100 (−0.11 + 1)/2 = 44.5
        Assert.Equal(44.5, ChangePointScorer.Score([(seconds, truth, late)]).Standard, 6);
        // Missed window (−1) plus a false positive (−0.11): 100 (−1.11 + 1)/2 = −5.5
        Assert.Equal(-5.5, ChangePointScorer.Score([(seconds, truth, outside)]).Standard, 6);
    }

    [Fact]
    public void RollingMaxEdges_SingleFlag_GivesRiseAndFallThirtyRowsApart()
    {
        var prediction = new bool[100];
        prediction[40] = true;
        var edges = ChangePointScorer.RollingMaxEdges(prediction);

        Assert.Equal([40, 70], Enumerable.Range(0, 100).Where(i => edges[i]));
        Assert.Equal([40, 41], Enumerable.Range(0, 100).Where(i => ChangePointScorer.PlainEdges(prediction)[i]));
    }
}

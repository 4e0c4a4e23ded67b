using TwinGuard.Detection.Pipeline;

namespace TwinGuard.Detection.Tests.Pipeline;

public sealed class OnlineAnomalyDetectorTests
{
    [Fact]
    public void Push_SustainedShift_NeverLearnedAndStaysFlagged()
    {
        var normal = TestData.Gaussian(3000, 3, seed: 21);
        var online = new OnlineAnomalyDetector(3, DetectorCatalog.Create("pca"),
            new OnlineLearningOptions { WarmUp = 300, RefitEvery = 100, History = 1000 });
        var verdicts = new List<AnomalyVerdict>();
        for (var i = 0; i < 1000; i++)
        {
            verdicts.AddRange(online.Push(normal.Row(i)));
        }

        var learnedBefore = online.Learned;

        // An attacker holds column 0 far off for 1,000 rows, long enough for several refits.
        for (var i = 1000; i < 2000; i++)
        {
            var row = normal.Row(i).ToArray();
            row[0] += 50;
            verdicts.AddRange(online.Push(row));
        }

        Assert.Equal(2000, verdicts.Count);
        Assert.True(online.Refits >= 10, $"{online.Refits} refits");
        Assert.True(online.Learned - learnedBefore < 20, $"learned {online.Learned - learnedBefore} rows of the attack");
        Assert.All(verdicts.Skip(1900), v => Assert.True(v.IsAnomaly));
        Assert.All(verdicts.Skip(1900), v => Assert.Equal(0, v.TopColumn));
    }

    [Fact]
    public void Push_DuringWarmUp_ReturnsNothingThenEveryWarmUpVerdict()
    {
        var data = TestData.Gaussian(50, 2, seed: 2);
        var online = new OnlineAnomalyDetector(2, DetectorCatalog.Create("iforest"), new OnlineLearningOptions { WarmUp = 40 });
        for (var i = 0; i < 39; i++)
        {
            Assert.Empty(online.Push(data.Row(i)));
        }

        Assert.Equal(40, online.Push(data.Row(39)).Count);
        Assert.Single(online.Push(data.Row(40)));
    }
}

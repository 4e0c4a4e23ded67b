using TwinGuard.Detection.Baselines;

namespace TwinGuard.Detection.Tests.Baselines;

public sealed class CusumDetectorTests
{
    [Fact]
    public void Update_OneSigmaShift_AlarmsWithinTwentySamples()
    {
        var cusum = new CusumDetector(slack: 0.5, threshold: 5);
        var alarmAt = -1;
        for (var i = 0; i < 100 && alarmAt < 0; i++)
        {
            if (cusum.Update(1.0) != 0)
            {
                alarmAt = i;
            }
        }

        // Each sample adds z − k = 0.5, so C⁺ first exceeds h = 5 at the 11th sample.
        Assert.Equal(10, alarmAt);
    }

    [Fact]
    public void Update_DownwardShift_AlarmsNegative()
    {
        var cusum = new CusumDetector(slack: 0.5, threshold: 2);
        var directions = Enumerable.Range(0, 10).Select(_ => cusum.Update(-2.0)).ToList();

        Assert.Contains(-1, directions);
        Assert.DoesNotContain(1, directions);
    }

    [Fact]
    public void Update_ZeroMeanNoiseBelowSlack_NeverAlarms()
    {
        var cusum = new CusumDetector(slack: 0.5, threshold: 5);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(0, cusum.Update(i % 2 == 0 ? 0.4 : -0.4));
        }
    }
}

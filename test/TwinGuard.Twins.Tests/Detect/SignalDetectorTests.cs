using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Detect;

public sealed class SignalDetectorTests
{
    private static readonly DetectionSettings Settings = new(EwmaAlpha: 0.02, WarmUp: 60, ZThreshold: 6, CusumSlack: 0.5, CusumThreshold: 7);

    private static (SignalDetector Detector, Random Random) Warm(double level = 50, double noise = 0.5)
    {
        var detector = new SignalDetector(Settings, minStdDev: 0.01);
        var random = new Random(11);
        for (var i = 0; i < 200; i++)
        {
            Assert.Null(detector.Observe(level + (noise * Gaussian(random))));
        }

        return (detector, random);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void Observe_StationaryNoise_RaisesNothingOver10000Samples()
    {
        var (detector, random) = Warm();
        var raised = Enumerable.Range(0, 10_000).Count(_ => detector.Observe(50 + (0.5 * Gaussian(random))) is not null);

        // Six-sigma jumps and a CUSUM at h = 7 over Gaussian changes: a handful at most in 10,000 samples.
        Assert.True(raised <= 3, $"{raised} findings on stationary noise");
    }

    [Fact]
    public void Observe_Spike_IsAnOutlier()
    {
        var (detector, _) = Warm();

        var found = detector.Observe(65);

        Assert.Equal(ReasonCode.StatisticalOutlier, found?.Reason);
    }

    [Fact]
    public void Observe_DriftOfOneSigmaOfChangesPerSample_IsAPersistentShiftWithinTwentySamples()
    {
        var (detector, random) = Warm();
        (ReasonCode Reason, double, string)? found = null;
        var samples = 0;
        // 0.8 per sample: about one standard deviation of the noise's changes (0.5·√2), far below the outlier
        // threshold. Slower drifts are below what a single signal can show; the twin's relations must catch them.
        while (found is null && samples < 100)
        {
            samples++;
            found = detector.Observe(50 + (0.8 * samples) + (0.5 * Gaussian(random)));
        }

        Assert.Equal(ReasonCode.PersistentShift, found?.Reason);
        Assert.True(samples <= 20, $"found after {samples} samples");
    }

    [Fact]
    public void Observe_LevelStepThenSteady_StopsRaisingOnceTheStepIsPast()
    {
        var (detector, random) = Warm();
        detector.Observe(52); // a new operating point, reached within the noise of one change

        var raised = Enumerable.Range(0, 500).Count(_ => detector.Observe(52 + (0.5 * Gaussian(random))) is not null);

        Assert.True(raised <= 1, $"{raised} findings after a settled step");
    }

    [Fact]
    public void Observe_HigherSensitivity_FindsTheSameDriftSooner()
    {
        int SamplesToFind(double sensitivity)
        {
            var (detector, random) = Warm();
            for (var i = 1; i <= 200; i++)
            {
                if (detector.Observe(50 + (0.8 * i) + (0.5 * Gaussian(random)), sensitivity) is not null)
                {
                    return i;
                }
            }

            return int.MaxValue;
        }

        Assert.True(SamplesToFind(2.0) < SamplesToFind(1.0));
    }

    [Fact]
    public void Observe_ThresholdRaisedByAVerdict_LetsAJumpBetweenOnceAndTwiceTheThresholdPass_NotALargerOne()
    {
        var (configured, _) = Warm();
        var (raised, _) = Warm(); // the same seed: the same baseline
        var (raisedAgain, _) = Warm();

        // About nine standard deviations of the changes: over the configured 6, under 6 x DetectorTuning.MaxFactor.
        var flagged = configured.Observe(56.4);
        var passed = raised.Observe(56.4, sensitivity: 1 / DetectorTuning.MaxFactor);
        var large = raisedAgain.Observe(65, sensitivity: 1 / DetectorTuning.MaxFactor);

        Assert.Equal(ReasonCode.StatisticalOutlier, flagged?.Reason);
        Assert.InRange(Math.Abs(configured.LastZ), Settings.ZThreshold, Settings.ZThreshold * DetectorTuning.MaxFactor);
        Assert.Null(passed);
        Assert.Equal(ReasonCode.StatisticalOutlier, large?.Reason);
    }

    [Fact]
    public void Observe_NotLearning_LeavesTheBaselineWhereItWas()
    {
        var (learning, _) = Warm();
        var (confirmed, _) = Warm();
        var before = confirmed.Expected;

        for (var i = 0; i < 200; i++)
        {
            learning.Observe(50 + (i * 0.01));
            confirmed.Observe(50 + (i * 0.01), learn: false);
        }

        Assert.Equal(before, confirmed.Expected);
        Assert.True(learning.Expected > before + 0.5, $"the learning baseline moved to {learning.Expected}");
    }
}

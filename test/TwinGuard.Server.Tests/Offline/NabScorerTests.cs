using TwinGuard.Server.Offline;

namespace TwinGuard.Server.Tests.Offline;

/// <summary>
/// NAB's rules worked by hand on a 100-row file (probation 15 rows) with one window on rows 50..59 (w = 10).
/// σ(x) = 2 / (1 + e^(5x)) − 1: σ(−1) = 2 / (1 + e^−5) − 1 = 0.986614; σ(−0.1) = 2 / (1 + e^−0.5) − 1 = 0.244919;
/// σ(−0.5) = 2 / (1 + e^−2.5) − 1 = 0.848284.
/// </summary>
public sealed class NabScorerTests
{
    private static readonly NabWindow[] OneWindow = [new(50, 59)];
    private static readonly NabProfile Standard = NabProfile.All[0];
    private static readonly NabProfile LowFp = NabProfile.All[1];
    private static readonly NabProfile LowFn = NabProfile.All[2];

    private static bool[] Alarms(int rows, params int[] at)
    {
        var alarms = new bool[rows];
        foreach (var i in at)
        {
            alarms[i] = true;
        }

        return alarms;
    }

    private static double Normalised(NabFileScore score, NabProfile profile) => NabScorer.Normalise([score], profile);

    [Theory]
    [InlineData(100, 15)]
    [InlineData(4000, 600)]
    [InlineData(5000, 750)]
    [InlineData(22_000, 750)]
    public void Probation_FileLength_FifteenPercentAtMost750(int rows, int probation) =>
        Assert.Equal(probation, NabScorer.Probation(rows));

    [Fact]
    public void Score_AlarmOnWindowsFirstRow_EarnsTheFullReward()
    {
        var score = NabScorer.Score(Alarms(100, 50), OneWindow, Standard);

        // position −(59 − 50 + 1)/10 = −1: σ(−1)/σ(−1) = 1.
        Assert.Equal(1.0, score.Score, 12);
        Assert.Equal(100.0, Normalised(score, Standard), 9);
        Assert.Equal((1, 1, 0), (score.Windows, score.Detected, score.FalseAlarms));
    }

    [Fact]
    public void Score_AlarmOnWindowsLastRow_EarnsSigmaOfMinusOneTenth()
    {
        var score = NabScorer.Score(Alarms(100, 59), OneWindow, Standard);

        // position −(59 − 59 + 1)/10 = −0.1: 0.244919 / 0.986614 = 0.248242; normalised 100 (0.248242 + 1) / 2.
        Assert.Equal(0.248242, score.Score, 6);
        Assert.Equal(62.4121, Normalised(score, Standard), 4);
    }

    [Fact]
    public void Score_LaterAlarmsInTheWindow_EarnNothingMore()
    {
        // First alarm at 55: position −(59 − 55 + 1)/10 = −0.5, 0.848284 / 0.986614 = 0.859793; 58 adds nothing.
        var score = NabScorer.Score(Alarms(100, 55, 58), OneWindow, Standard);

        Assert.Equal(0.859793, score.Score, 6);
        Assert.Equal(0, score.FalseAlarms);
    }

    [Fact]
    public void Score_MissedWindow_CostsAFnInEachProfile()
    {
        var none = Alarms(100);

        Assert.Equal(-1.0, NabScorer.Score(none, OneWindow, Standard).Score, 12);
        Assert.Equal(-1.0, NabScorer.Score(none, OneWindow, LowFp).Score, 12);
        Assert.Equal(-2.0, NabScorer.Score(none, OneWindow, LowFn).Score, 12);
        Assert.Equal(0.0, Normalised(NabScorer.Score(none, OneWindow, LowFn), LowFn), 12);
    }

    [Fact]
    public void Score_AlarmBeforeTheFirstWindow_CostsTheFullAFp()
    {
        var alarms = Alarms(100, 20);

        // Missed window plus one full false positive. Standard: −1 − 0.11 → 100 (−1.11 + 1) / 2 = −5.5.
        Assert.Equal(-1.11, NabScorer.Score(alarms, OneWindow, Standard).Score, 12);
        Assert.Equal(-5.5, Normalised(NabScorer.Score(alarms, OneWindow, Standard), Standard), 9);
        // Low FP: −1 − 0.22 → −11. Low FN: −2 − 0.11 = −2.11, null −2, perfect 1 → 100 (−0.11) / 3 = −3.667.
        Assert.Equal(-11.0, Normalised(NabScorer.Score(alarms, OneWindow, LowFp), LowFp), 9);
        Assert.Equal(-3.666667, Normalised(NabScorer.Score(alarms, OneWindow, LowFn), LowFn), 6);
    }

    [Fact]
    public void Score_AlarmJustAfterTheWindow_CostsLessThanOneFarAway()
    {
        // d = |64 − 59| / (10 − 1) = 0.5556, σ(d) = 2 / (1 + e^2.778) − 1 = −0.882926: costs 0.11 × 0.882926 = 0.097122.
        var near = NabScorer.Score(Alarms(100, 50, 64), OneWindow, Standard);
        // d = 31 / 9 = 3.44 ≥ 3: σ = −1, the full 0.11.
        var far = NabScorer.Score(Alarms(100, 50, 90), OneWindow, Standard);

        Assert.Equal(1 - 0.097122, near.Score, 6);
        Assert.Equal(1 - 0.11, far.Score, 12);
        Assert.Equal(1, near.FalseAlarms);
    }

    [Fact]
    public void Score_AlarmsInProbation_AreNotScored()
    {
        var score = NabScorer.Score(Alarms(100, 3, 14), OneWindow, Standard);

        Assert.Equal(-1.0, score.Score, 12);
        Assert.Equal(0, score.FalseAlarms);
    }

    [Fact]
    public void Score_WindowInsideProbation_IsNotScoredButEndsBeforeLaterAlarms()
    {
        // Probation is 15 rows; a window on 5..9 is not scored. An alarm at 12 (probation) is ignored; one at 30
        // follows that window: d = 21 / 4 ≥ 3, the full cost.
        var score = NabScorer.Score(Alarms(100, 12, 30), [new NabWindow(5, 9)], Standard);

        Assert.Equal(0, score.Windows);
        Assert.Equal(-0.11, score.Score, 12);
    }

    [Fact]
    public void Normalise_OneFileFoundOneMissed_IsHalfway()
    {
        var found = NabScorer.Score(Alarms(100, 50), OneWindow, Standard);
        var missed = NabScorer.Score(Alarms(100), OneWindow, Standard);

        // S = 1 − 1 = 0, S_null = −2, S_perfect = 2: 100 × 2 / 4.
        Assert.Equal(50.0, NabScorer.Normalise([found, missed], Standard), 12);
    }
}

using TwinGuard.Simulator.Attacks;
using TwinGuard.Simulator.Scoring;

namespace TwinGuard.Simulator.Tests.Scoring;

public sealed class CampaignScorerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Run = TimeSpan.FromSeconds(100);

    private static readonly AttackPlan Spike = new("spike", AttackKind.Spike, new AttackTarget("loop-plc", "pump1", "flow"), S(30), S(31));
    private static readonly AttackPlan Intruder = new("unknown-device", AttackKind.UnknownDevice, new AttackTarget("intruder-1a2b", null, null), S(50), S(53));

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static Observation At(double seconds, string? device, string? asset, string? signal, string reason = "test") =>
        new(Start + S(seconds), device, asset, signal, reason);

    [Fact]
    public void Score_MatchingObservationInWindow_DetectsWithTimeFromStart()
    {
        var score = new CampaignScorer().Score([Spike], Start, Run, [At(32.5, null, "pump1", "flow")]);
        var attack = Assert.Single(score.Attacks);
        Assert.True(attack.Detected);
        Assert.Equal(S(2.5), attack.TimeToDetect);
        Assert.Empty(score.FalseAlarms);
    }

    [Fact]
    public void Score_SeveralMatches_TakesTheFirstAndCountsAll()
    {
        var score = new CampaignScorer().Score([Spike], Start, Run, [At(31, "loop-plc", "pump1", null), At(30.25, null, "pump1", "flow")]);
        Assert.Equal(S(0.25), score.Attacks[0].TimeToDetect);
        Assert.Equal(2, score.Attacks[0].MatchingObservations);
    }

    [Fact]
    public void Score_ObservationAfterGrace_IsNotADetectionButAFalseAlarm()
    {
        var score = new CampaignScorer(S(5)).Score([Spike], Start, Run, [At(36.5, null, "pump1", "flow")]);
        Assert.False(score.Attacks[0].Detected);
        Assert.Null(score.Attacks[0].TimeToDetect);
        Assert.Single(score.FalseAlarms);
    }

    [Fact]
    public void Score_ObservationOnAnotherSignalOfTheAsset_IsAFalseAlarm()
    {
        var score = new CampaignScorer().Score([Spike], Start, Run, [At(30.5, "loop-plc", "pump1", "motor_current")]);
        Assert.False(score.Attacks[0].Detected);
        Assert.Single(score.FalseAlarms);
    }

    [Fact]
    public void Score_RefusalNamingOnlyTheIntruder_DetectsTheUnknownDevice()
    {
        var score = new CampaignScorer().Score([Spike, Intruder], Start, Run, [At(50.01, "intruder-1a2b", null, null, "unknown_source")]);
        Assert.True(score.Attacks.Single(a => a.Attack == Intruder).Detected);
        Assert.False(score.Attacks.Single(a => a.Attack == Spike).Detected);
        Assert.False(score.AllDetected);
        Assert.Equal(1, score.DetectedCount);
    }

    [Fact]
    public void Score_FindingOnAnAssetDuringAnIntrusion_DoesNotDetectTheIntruder()
    {
        var score = new CampaignScorer().Score([Intruder], Start, Run, [At(51, null, "tank1", "level")]);
        Assert.False(score.Attacks[0].Detected);
    }

    [Fact]
    public void Score_StaleSignalsAfterTheRunEnded_AreNeitherDetectionsNorFalseAlarms()
    {
        var late = new CampaignScorer().Score([Spike], Start, Run, [At(102.5, null, "tank1", "level", "stale"), At(-1, null, "tank1", "level")]);
        Assert.Empty(late.FalseAlarms);
        Assert.Equal(2, late.OutsideRun);
    }

    [Fact]
    public void Score_DetectionInTheGraceAfterTheRunEnded_StillCounts()
    {
        var lateAttack = Spike with { Start = S(98), End = S(99) };
        var score = new CampaignScorer().Score([lateAttack], Start, Run, [At(101, null, "pump1", "flow")]);
        Assert.True(score.Attacks[0].Detected);
        Assert.Equal(0, score.OutsideRun);
    }

    [Fact]
    public void Score_ObservationNamingNothing_MatchesNoAttack()
    {
        var score = new CampaignScorer().Score([Spike], Start, Run, [At(30.5, null, null, null)]);
        Assert.False(score.Attacks[0].Detected);
        Assert.Single(score.FalseAlarms);
    }

    [Fact]
    public void Score_FalseAlarms_AreCountedPerHourOfNormalOperation()
    {
        // Attack time: [30, 36] and [50, 58] with 5 s grace = 14 s; normal operation = 86 s.
        var observations = new[] { At(10, "tank-gateway", "tank1", "level"), At(70, "conveyor-plc", "conveyor1", null) };
        var score = new CampaignScorer(S(5)).Score([Spike, Intruder], Start, Run, observations);
        Assert.Equal(S(86), score.NormalOperation);
        Assert.Equal(2, score.FalseAlarms.Count);
        Assert.Equal(2 / (86 / 3600.0), score.FalseAlarmsPerHour, 9);
    }

    [Fact]
    public void Score_OverlappingWindows_CountTheirUnionOnce()
    {
        var other = Spike with { Start = S(30.5), End = S(40), Target = new AttackTarget("tank-gateway", "tank1", "level") };
        var score = new CampaignScorer(S(0)).Score([Spike, other], Start, Run, []);
        Assert.Equal(S(90), score.NormalOperation);
        Assert.Equal(0, score.FalseAlarmsPerHour);
    }

    [Fact]
    public void Score_AttackAfterACancelledRunEnded_IsLeftOut()
    {
        var score = new CampaignScorer().Score([Spike, Intruder], Start, S(40), []);
        Assert.Equal(Spike, Assert.Single(score.Attacks).Attack);
    }

    [Fact]
    public void Score_ObservationBeforeTheAttackStarts_DoesNotDetectIt()
    {
        var score = new CampaignScorer().Score([Spike], Start, Run, [At(29.9, null, "pump1", "flow")]);
        Assert.False(score.Attacks[0].Detected);
    }

    [Fact]
    public void Matches_DeviceDisagrees_IsFalseEvenIfTheAssetAgrees()
    {
        Assert.False(CampaignScorer.Matches(Spike.Target, At(30, "tank-gateway", "pump1", null)));
        Assert.True(CampaignScorer.Matches(Spike.Target, At(30, "loop-plc", "pump1", null)));
    }

    [Fact]
    public void Constructor_NegativeGrace_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CampaignScorer(S(-1)));
    }

    [Theory]
    [InlineData("loop-plc", true)]
    [InlineData("pump1", true)]
    [InlineData("pump1/flow", true)]
    [InlineData("pump1/pressure", true)]
    [InlineData("pump10", false)]
    [InlineData("pump10/flow", false)]
    [InlineData("tank-gateway", false)]
    public void Concerns_ContainmentTarget_IsTheAttackedDeviceAssetOrOneOfItsSignals(string target, bool concerns) =>
        Assert.Equal(concerns, CampaignScorer.Concerns(Spike.Target, target));

    [Fact]
    public void FirstContainment_TakesTheEarliestContainingActionOnTheTargetWithinTheWindowAndGrace()
    {
        ResponseObservation Action(double seconds, string action, string target, string outcome = "Done") => new(Start + S(seconds), action, target, outcome, "p");
        var actions = new[]
        {
            Action(29, "quarantine: source", "loop-plc"),              // before the attack
            Action(30.5, "notify", "loop-plc"),                         // tells, does not contain
            Action(30.75, "quarantine: source", "tank-gateway"),        // another target
            Action(31, "revoke_credentials: device", "loop-plc", "AwaitingApproval"),
            Action(32, "quarantine: signals", "pump1/flow"),
            Action(31.5, "disconnect: device", "loop-plc"),
        };

        var first = new CampaignScorer(S(5)).FirstContainment(Spike, Start, actions);

        Assert.Equal((Start + S(31.5), "disconnect: device"), (first!.Time, first.Action));
        Assert.Null(new CampaignScorer(S(5)).FirstContainment(Spike, Start, [Action(36.5, "quarantine: source", "loop-plc")]));
    }
}


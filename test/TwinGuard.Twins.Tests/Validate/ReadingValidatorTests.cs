using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Twins.Tests.Validate;

public sealed class ReadingValidatorTests
{
    private static readonly AssetModel Tank = SamplePlant.Load().FindAsset("tank1")!; // level: 0..2 m, max 0.5 m/s, 250 ms
    private static readonly ValidationSettings Settings = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), 4, 5);
    private const long Now = 1_800_000_000_000;

    private static ReadingValidator Validator() => new(Tank, Settings);

    [Fact]
    public void CheckMessage_InOrder_Passes() => Assert.Null(Validator().CheckMessage("d", 0, 1, Now, Now));

    [Fact]
    public void CheckMessage_FutureTimestamp_IsRefused() =>
        Assert.Equal(ReasonCode.FutureTimestamp, Validator().CheckMessage("d", 0, 1, Now + 2001, Now)!.Value.Reason);

    [Fact]
    public void CheckMessage_OldTimestamp_IsRefused() =>
        Assert.Equal(ReasonCode.PastTimestamp, Validator().CheckMessage("d", 0, 1, Now - 30_001, Now)!.Value.Reason);

    [Fact]
    public void CheckMessage_RepeatedOrOlderSequence_IsReplay()
    {
        var validator = Validator();
        Assert.Null(validator.CheckMessage("d", 0, 5, Now, Now));

        Assert.Equal(ReasonCode.ReplayedSequence, validator.CheckMessage("d", 0, 5, Now, Now)!.Value.Reason);
        Assert.Equal(ReasonCode.ReplayedSequence, validator.CheckMessage("d", 0, 4, Now, Now)!.Value.Reason);
        Assert.Null(validator.CheckMessage("other-device", 0, 1, Now, Now));
        Assert.Null(validator.CheckMessage("d", 0, 6, Now, Now));
    }

    [Fact]
    public void CheckMessage_HigherBoot_RestartsTheSequence_AndAnOlderBootIsReplay()
    {
        var validator = Validator();
        Assert.Null(validator.CheckMessage("d", 1, 90_000, Now, Now));

        Assert.Null(validator.CheckMessage("d", 2, 0, Now, Now));
        Assert.Null(validator.CheckMessage("d", 2, 1, Now, Now));
        var replay = validator.CheckMessage("d", 1, 90_001, Now, Now);
        Assert.Equal(ReasonCode.ReplayedSequence, replay!.Value.Reason);
        Assert.Contains("before its current boot 2", replay.Value.Detail, StringComparison.Ordinal);
        Assert.Equal(ReasonCode.ReplayedSequence, validator.CheckMessage("d", 2, 1, Now, Now)!.Value.Reason);
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(2.01)]
    public void CheckValue_OutsideRange_IsRefused(double value)
    {
        var state = default(SignalState);
        Assert.Equal(ReasonCode.OutOfRange, Validator().CheckValue(0, ref state, value, Now)!.Value.Reason);
    }

    [Fact]
    public void CheckValue_TooFastChange_IsRefusedUntilEnoughTimePassed()
    {
        var state = new SignalState { Value = 1.0, ValueTimeMs = Now };
        var validator = Validator();

        // 0.5 m/s allowed: +0.2 m in 250 ms is 0.8 m/s.
        Assert.Equal(ReasonCode.RateOfChange, validator.CheckValue(0, ref state, 1.2, Now + 250)!.Value.Reason);
        // The same value half a second after the last trusted one is 0.4 m/s: accepted.
        Assert.Null(validator.CheckValue(0, ref state, 1.2, Now + 500));
    }

    [Fact]
    public void CheckFrozen_IdenticalValues_FlagsOnceAtThreshold()
    {
        var state = default(SignalState);
        var validator = Validator();
        var flags = Enumerable.Range(0, 12).Select(_ => validator.CheckFrozen(0, ref state, 1.234)).ToList();

        Assert.Equal(4, flags.TakeWhile(f => f is null).Count());
        Assert.Single(flags, f => f is not null);
    }

    [Fact]
    public void CheckFrozen_ChangingValues_NeverFlags()
    {
        var state = default(SignalState);
        var validator = Validator();

        Assert.All(Enumerable.Range(0, 50), i => Assert.Null(validator.CheckFrozen(0, ref state, i % 2)));
    }

    [Fact]
    public void CheckStale_SilenceBeyondThreePeriodsAndASecond_FlagsOnce()
    {
        var state = new SignalState { LastSeenMs = Now };
        var validator = Validator();

        Assert.Null(validator.CheckStale(0, ref state, Now + 1750));
        Assert.NotNull(validator.CheckStale(0, ref state, Now + 1751));
        Assert.Null(validator.CheckStale(0, ref state, Now + 5000));
    }

    [Fact]
    public void CheckOperating_OutsideShorterThanTheDelay_IsNotReported()
    {
        var validator = Validator();
        var state = default(SignalState);

        // The sample's tank level band is [0.7, 1.3] with a 5 s on-delay.
        Assert.Null(validator.CheckOperating(0, ref state, 1.0, Now));
        Assert.Null(validator.CheckOperating(0, ref state, 1.35, Now + 1000));
        Assert.Null(validator.CheckOperating(0, ref state, 1.36, Now + 5999));
        Assert.Null(validator.CheckOperating(0, ref state, 1.2, Now + 6000));
        Assert.Null(validator.CheckOperating(0, ref state, 1.35, Now + 7000));
        Assert.Null(validator.CheckOperating(0, ref state, 1.35, Now + 11_999));
    }

    [Fact]
    public void CheckOperating_OutsideForTheDelay_IsReportedOncePerExcursion()
    {
        var validator = Validator();
        var state = default(SignalState);

        Assert.Null(validator.CheckOperating(0, ref state, 1.31, Now));
        var detail = validator.CheckOperating(0, ref state, 1.42, Now + 5000);
        Assert.Equal("tank1.level = 1.42 m has been above its high limit 1.3 for 5 s (operating band [0.7, 1.3], valid range [0, 2])", detail);
        Assert.Null(validator.CheckOperating(0, ref state, 1.5, Now + 60_000));
        // Noise back across the limit for less than the delay does not end the excursion ...
        Assert.Null(validator.CheckOperating(0, ref state, 1.29, Now + 61_000));
        Assert.Null(validator.CheckOperating(0, ref state, 1.31, Now + 62_000));
        Assert.Null(validator.CheckOperating(0, ref state, 1.31, Now + 70_000));
        // ... staying back inside for the delay does, and the next excursion is reported again.
        Assert.Null(validator.CheckOperating(0, ref state, 1.0, Now + 71_000));
        Assert.Null(validator.CheckOperating(0, ref state, 1.0, Now + 76_000));
        Assert.Null(validator.CheckOperating(0, ref state, 0.6, Now + 77_000));
        Assert.Contains("below its low limit 0.7", validator.CheckOperating(0, ref state, 0.6, Now + 82_000), StringComparison.Ordinal);
    }

    [Fact]
    public void CheckOperating_SignalWithoutBand_IsNeverReported()
    {
        var validator = new ReadingValidator(SamplePlant.Load().FindAsset("valve_in")!, Settings);
        var state = default(SignalState);

        Assert.Null(validator.CheckOperating(0, ref state, 100, Now));
        Assert.Null(validator.CheckOperating(0, ref state, 100, Now + 3_600_000));
    }
}

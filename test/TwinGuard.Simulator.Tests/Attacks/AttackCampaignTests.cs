using FsCheck;
using FsCheck.Fluent;
using TwinGuard.Simulator.Attacks;
using TwinGuard.Simulator.Physics;

namespace TwinGuard.Simulator.Tests.Attacks;

public sealed class AttackCampaignTests
{
    private static readonly TimeSpan Demo = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MinGap = TimeSpan.FromSeconds(3);

    [Fact]
    public void Create_SameSeed_GivesTheSameCampaign()
    {
        var a = AttackCampaign.Create(9, Demo, AttackNames.All);
        var b = AttackCampaign.Create(9, Demo, AttackNames.All.Reverse());
        Assert.Equal(a.Attacks, b.Attacks);
    }

    [Fact]
    public void Create_DifferentSeeds_GiveDifferentCampaigns()
    {
        var campaigns = Enumerable.Range(1, 5).Select(s => AttackCampaign.Create(s, Demo, AttackNames.All)).ToList();
        Assert.Contains(campaigns.Skip(1), c => !c.Attacks.SequenceEqual(campaigns[0].Attacks));
    }

    [Fact]
    public void Create_DefaultDemo_StagesEveryAttackOnceBetweenWarmUpAndTail()
    {
        var campaign = AttackCampaign.Create(1, Demo, AttackNames.All);
        Assert.Equal(AttackNames.All.Order(), campaign.Attacks.Select(a => a.Name).Order());
        Assert.Equal(TimeSpan.FromSeconds(20), campaign.WarmUp);
        Assert.All(campaign.Attacks, a =>
        {
            Assert.True(a.Start >= TimeSpan.FromSeconds(20), $"{a.Name} starts at {a.Start}");
            Assert.True(a.End <= Demo - TimeSpan.FromSeconds(5), $"{a.Name} ends at {a.End}");
            Assert.True(a.End >= a.Start);
            Assert.Equal(0, a.Start.Ticks % SamplePlant.Period.Ticks);
            Assert.Equal(0, a.End.Ticks % SamplePlant.Period.Ticks);
        });
    }

    [Fact]
    public void Create_TwoMinutes_LaysAttacksOutOneAfterAnotherWithCleanGaps()
    {
        var campaign = AttackCampaign.Create(1, TimeSpan.FromSeconds(120), AttackNames.All);
        var attacks = campaign.Attacks.OrderBy(a => a.Start).ToList();
        for (var i = 1; i < attacks.Count; i++)
        {
            Assert.True(attacks[i].Start - attacks[i - 1].End >= MinGap, $"{attacks[i - 1].Name} and {attacks[i].Name} are too close");
        }

        Assert.True(attacks[^1].End > TimeSpan.FromSeconds(90), "the layout does not scale with the duration");
    }

    [Fact]
    public void Create_FrozenAttack_LastsLongerThanThePlantModelsFrozenCount()
    {
        var frozen = AttackCampaign.Create(1, Demo, [AttackNames.Frozen]).Attacks.Single();
        Assert.True(frozen.Duration >= SamplePlant.Period * 45);
    }

    [Fact]
    public void Create_Targets_AreWhatEachAttackNeeds()
    {
        foreach (var seed in Enumerable.Range(0, 30))
        {
            foreach (var attack in AttackCampaign.Create(seed, Demo, AttackNames.All).Attacks)
            {
                var device = SamplePlant.Devices.FirstOrDefault(d => d.Id == attack.Target.DeviceId);
                switch (attack.Kind)
                {
                    case AttackKind.Spike or AttackKind.Frozen or AttackKind.Drift:
                        Assert.NotNull(device);
                        Assert.True(device.Publishes(attack.Target.AssetId!, attack.Target.SignalId!));
                        break;
                    case AttackKind.Replay or AttackKind.Flood:
                        Assert.NotNull(device);
                        Assert.Null(attack.Target.SignalId);
                        break;
                    case AttackKind.UnknownDevice:
                        Assert.Null(device);
                        Assert.StartsWith("intruder-", attack.Target.DeviceId, StringComparison.Ordinal);
                        Assert.False(string.IsNullOrEmpty(attack.IntruderPassword));
                        Assert.Null(attack.Target.AssetId);
                        Assert.Contains(attack.IntruderAssetId, SamplePlant.Assets);
                        break;
                    case AttackKind.WrongTopic:
                        Assert.NotNull(device);
                        Assert.False(device.PublishesAsset(attack.Target.AssetId!));
                        break;
                }

                if (attack.Kind == AttackKind.Replay)
                {
                    Assert.True(attack.ReplayOffset > attack.Duration, "a replay must re-send messages captured before it started");
                    Assert.True(attack.ReplayOffset <= attack.Start);
                }
            }
        }
    }

    [Fact]
    public void Create_NoAttacks_IsEmpty()
    {
        Assert.Empty(AttackCampaign.Create(1, TimeSpan.FromSeconds(10), []).Attacks);
    }

    [Fact]
    public void Create_DurationTooShort_ThrowsSayingHowLongItMustBe()
    {
        var error = Assert.Throws<ArgumentException>(() => AttackCampaign.Create(1, TimeSpan.FromSeconds(30), AttackNames.All));
        Assert.Contains("too short", error.Message, StringComparison.Ordinal);
        Assert.Contains("at least", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MinimumDuration_AllAttacks_FitsWhileOneSecondLessDoesNot()
    {
        var minimum = AttackCampaign.MinimumDuration(AttackNames.All);
        Assert.InRange(minimum, TimeSpan.FromSeconds(30), Demo);
        Assert.Equal(7, AttackCampaign.Create(5, minimum, AttackNames.All).Attacks.Count);
        var error = Assert.Throws<ArgumentException>(() => AttackCampaign.Create(5, minimum - TimeSpan.FromSeconds(1), AttackNames.All));
        Assert.Contains($"at least {minimum.TotalSeconds} s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UnknownAttack_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => AttackCampaign.Create(1, Demo, ["spike", "teleport"]));
        Assert.Contains("teleport", error.Message, StringComparison.Ordinal);
    }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Create_AnySeedAndDuration_KeepsWindowsCleanAndConcurrentTargetsApart()
    {
        var gen =
            from seed in Gen.Choose(int.MinValue, int.MaxValue)
            from seconds in Gen.Choose(60, 900)
            from mask in Gen.Choose(1, 127)
            select (seed, seconds, mask);
        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var (seed, seconds, mask) = input;
            var names = AttackNames.All.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
            var duration = TimeSpan.FromSeconds(seconds);
            var campaign = AttackCampaign.Create(seed, duration, names);
            var again = AttackCampaign.Create(seed, duration, names);
            var attacks = campaign.Attacks;
            var ok = attacks.SequenceEqual(again.Attacks)
                && attacks.Count == names.Length
                && attacks.All(a => a.Start >= campaign.WarmUp && a.Start >= TimeSpan.FromSeconds(20) && a.End <= duration - campaign.Tail);
            for (var i = 0; i < attacks.Count; i++)
            {
                for (var j = i + 1; j < attacks.Count; j++)
                {
                    var (a, b) = (attacks[i], attacks[j]);
                    var near = a.Start - MinGap < b.End && b.Start - MinGap < a.End;
                    ok &= !near || !ShareDeviceOrAsset(a.Target, b.Target);
                }
            }

            return ok.Label($"seed {seed}, {seconds} s, {string.Join(",", names)}");
        });
    }

    private static bool ShareDeviceOrAsset(AttackTarget a, AttackTarget b)
    {
        if (a.DeviceId == b.DeviceId)
        {
            return true;
        }

        return Assets(a).Overlaps(Assets(b));

        // An intruder touches no asset: the broker refuses it before it can publish.
        static HashSet<string> Assets(AttackTarget t) => t.AssetId is not null
            ? [t.AssetId]
            : [.. SamplePlant.Devices.FirstOrDefault(d => d.Id == t.DeviceId)?.AssetIds ?? []];
    }
}

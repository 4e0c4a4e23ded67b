using TwinGuard.Simulator.Physics;

namespace TwinGuard.Simulator.Scenarios;

/// <summary>What <see cref="ScenarioPlayer"/> keeps about one attack while it plays it.</summary>
internal sealed class StagePlay
{
    public StagePlay(ScenarioAttack attack)
    {
        Attack = attack;
        Name = ScenarioLoader.NameOf(attack.Kind);
        Targets = attack.AssetId is { } asset ? attack.SignalIds.Select(s => SamplePlant.IndexOf(asset, s)).ToArray() : [];
        RecordTicks = (int)(attack.Duration.Ticks / SamplePlant.Period.Ticks) + 1;
    }

    /// <summary>The attack.</summary>
    public ScenarioAttack Attack { get; }

    /// <summary>Its kind in snake_case: the attack name its messages carry.</summary>
    public string Name { get; }

    /// <summary>Indexes of the attacked signals in <see cref="SamplePlant.Signals"/>.</summary>
    public int[] Targets { get; }

    /// <summary>Ticks a replay records before it plays back.</summary>
    public int RecordTicks { get; }

    /// <summary>What a replay has recorded so far.</summary>
    public Queue<double[]> Recording { get; } = new();

    /// <summary>The values a frozen sensor repeats, once frozen.</summary>
    public double[]? Held { get; set; }

    /// <summary>The recording a replay plays, once it started.</summary>
    public double[][]? Replay { get; set; }

    /// <summary>The frame the replay started from.</summary>
    public int ReplayFrom { get; set; }

    /// <summary>The credential thief's last sequence number.</summary>
    public long ReuseSeq { get; set; }

    /// <summary>Whether the attack is active at an offset from the start of the run.</summary>
    public bool IsActiveAt(TimeSpan offset) => Attack.IsActiveAt(offset);
}

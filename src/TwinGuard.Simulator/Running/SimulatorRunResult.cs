using TwinGuard.Simulator.Attacks;

namespace TwinGuard.Simulator.Running;

/// <summary>What a run did: when, how far it got, and the ground truth to score detections against.</summary>
/// <param name="StartedAt">Wall-clock time of tick 0; attack offsets are relative to it.</param>
/// <param name="EndedAt">When the run stopped.</param>
/// <param name="Completed">True when it ran its full duration, false when cancelled.</param>
/// <param name="Progress">The final counters.</param>
/// <param name="Campaign">The campaign; <see cref="AttackCampaign.Attacks"/> is the ground truth.</param>
public sealed record SimulatorRunResult(
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    bool Completed,
    SimulatorProgress Progress,
    AttackCampaign Campaign)
{
    /// <summary>
    /// The ground truth as it was played (<see cref="SimulatorRunner.Played"/>): each attack's window on the wall clock,
    /// later than planned when ticks were late. Score detections against these.
    /// </summary>
    public IReadOnlyList<AttackPlan> Played { get; init; } = Campaign.Attacks;

    /// <summary>How long the run actually lasted.</summary>
    public TimeSpan RunTime => EndedAt - StartedAt;
}

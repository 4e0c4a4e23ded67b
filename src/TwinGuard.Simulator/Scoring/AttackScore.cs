using TwinGuard.Simulator.Attacks;

namespace TwinGuard.Simulator.Scoring;

/// <summary>How one attack was detected.</summary>
/// <param name="Attack">The attack and its ground truth.</param>
/// <param name="Detected">Whether an observation matched it within its window plus the grace period.</param>
/// <param name="TimeToDetect">From the attack's start to the first matching observation; null when not detected.</param>
/// <param name="FirstObservation">The first matching observation, if any.</param>
/// <param name="MatchingObservations">How many observations matched it.</param>
public sealed record AttackScore(
    AttackPlan Attack,
    bool Detected,
    TimeSpan? TimeToDetect,
    Observation? FirstObservation,
    int MatchingObservations);

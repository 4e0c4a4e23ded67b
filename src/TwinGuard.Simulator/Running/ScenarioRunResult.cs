using TwinGuard.Simulator.Scenarios;

namespace TwinGuard.Simulator.Running;

/// <summary>What a scenario run did, in simulated time, with its ground truth.</summary>
/// <param name="Scenario">The scenario, at the intensity it was played.</param>
/// <param name="StartedAt">Simulated time of tick 0; the attack's offsets are relative to it.</param>
/// <param name="EndedAt">Simulated time of the last tick.</param>
/// <param name="Completed">True when it ran to the end, false when cancelled.</param>
/// <param name="MessagesPublished">Messages handed to the broker, attack included.</param>
/// <param name="AttackMessagesPublished">Of those, messages made or altered by the attack.</param>
/// <param name="MessagesNotSent">Messages that could not be sent (device disconnected, connection refused).</param>
/// <param name="ConnectionsRefused">Connection attempts the broker refused.</param>
/// <param name="RealTime">How long the run took on the machine's clock.</param>
public sealed record ScenarioRunResult(
    Scenario Scenario,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    bool Completed,
    long MessagesPublished,
    long AttackMessagesPublished,
    long MessagesNotSent,
    long ConnectionsRefused,
    TimeSpan RealTime)
{
    /// <summary>Simulated time covered.</summary>
    public TimeSpan SimulatedTime => EndedAt - StartedAt;

    /// <summary>The attack's window in simulated time.</summary>
    public (DateTimeOffset Start, DateTimeOffset End) AttackWindow => (StartedAt + Scenario.Attack.Start, StartedAt + Scenario.Attack.End);
}

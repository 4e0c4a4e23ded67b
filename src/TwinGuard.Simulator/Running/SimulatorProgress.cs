using TwinGuard.Simulator.Attacks;

namespace TwinGuard.Simulator.Running;

/// <summary>A snapshot of a run's progress.</summary>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Duration">The run's planned duration.</param>
/// <param name="MessagesPublished">Messages handed to the broker, attacks included.</param>
/// <param name="AttackMessagesPublished">Of those, messages made or altered by an attack.</param>
/// <param name="MessagesNotSent">Messages that could not be sent because the device was disconnected or refused.</param>
/// <param name="ConnectionsRefused">Connection attempts the broker refused (intruders and disconnected devices).</param>
/// <param name="ActiveAttacks">The attacks under way.</param>
public sealed record SimulatorProgress(
    TimeSpan Elapsed,
    TimeSpan Duration,
    long MessagesPublished,
    long AttackMessagesPublished,
    long MessagesNotSent,
    long ConnectionsRefused,
    IReadOnlyList<AttackPlan> ActiveAttacks);

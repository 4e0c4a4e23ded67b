using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Gate;

/// <summary>What the gate decided about one message.</summary>
/// <param name="Accepted">True when the message (or part of it) goes on to the twin.</param>
/// <param name="Reason">Why it was refused, when it was refused as a whole.</param>
public readonly record struct GateDecision(bool Accepted, ReasonCode? Reason)
{
    /// <summary>
    /// Completes when an accepted message asked to be kept is in the ledger on disk, with the twin's verdict on it (the
    /// twin may still refuse what the gate let through); faults when it cannot be kept; null when there is nothing to
    /// wait for (refused, or not asked).
    /// </summary>
    public Task<TwinVerdict>? Kept { get; init; }

    /// <summary>
    /// How long the transport should stop reading from this client before its next message (a flood refused: the
    /// flooder's own connection holds what it sends, instead of the broker spending the others' time on it); zero when
    /// it may go on at once.
    /// </summary>
    public TimeSpan HoldReading { get; init; }

    /// <summary>
    /// True when the message was refused for a flood that has gone on for <see cref="FloodGuard.SustainedAfter"/>: the
    /// transport should close the connection (the device's reconnections are refused while
    /// <see cref="FloodGuard.IsCutOff"/>).
    /// </summary>
    public bool CutOff { get; init; }

    /// <summary>Passed on to the twin.</summary>
    public static GateDecision Accept { get; } = new(true, null);

    /// <summary>Refused as a whole.</summary>
    public static GateDecision Refuse(ReasonCode reason) => new(false, reason);
}

namespace TwinGuard.Twins.Respond;

/// <summary>How an action ended. Stable: names appear in the database, reports and alerts.</summary>
public enum ActionOutcome
{
    /// <summary>Done.</summary>
    Done,

    /// <summary>It was already in place: nothing changed (actions are idempotent).</summary>
    AlreadyInPlace,

    /// <summary>Waiting for an operator's approval.</summary>
    AwaitingApproval,

    /// <summary>An operator (or the timeout policy) denied it.</summary>
    Denied,

    /// <summary>Not applicable to this incident (e.g. no device to disconnect).</summary>
    Skipped,

    /// <summary>Tried and failed; the detail says why.</summary>
    Failed,

    /// <summary>A containment was lifted (release or expiry).</summary>
    Released,
}

namespace TwinGuard.Twins.Validate;

/// <summary>How far the twin trusts a signal's current value.</summary>
public enum SignalTrust
{
    /// <summary>No value yet.</summary>
    Unknown,

    /// <summary>The last values passed every check.</summary>
    Trusted,

    /// <summary>Recent findings (outlier, shift, stale, frozen): the last-known-good value is shown but in doubt.</summary>
    Suspect,

    /// <summary>Quarantined: data is refused, the last-known-good value is held.</summary>
    Quarantined,
}

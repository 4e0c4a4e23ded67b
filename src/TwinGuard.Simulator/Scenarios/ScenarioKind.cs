namespace TwinGuard.Simulator.Scenarios;

/// <summary>What a scenario's attack does; <c>kind:</c> in a scenario file, in snake_case.</summary>
public enum ScenarioKind
{
    /// <summary><c>spike</c>: a few readings far from normal, inside the valid range.</summary>
    Spike,

    /// <summary><c>bias</c>: a constant offset added to one or more signals, inside range and rate.</summary>
    Bias,

    /// <summary><c>frozen</c>: a sensor repeats its last value exactly.</summary>
    Frozen,

    /// <summary><c>drift</c>: an offset that grows so slowly that no per-signal threshold sees it.</summary>
    Drift,

    /// <summary><c>replay</c>: a recorded normal period's values re-sent (fresh ts and seq) while the process really changes.</summary>
    Replay,

    /// <summary><c>coordinated_spoof</c>: several sensors spoofed, each smooth and self-consistent, together breaking a relation.</summary>
    CoordinatedSpoof,

    /// <summary><c>scaling</c>: a man in the middle multiplies a value by a few percent.</summary>
    Scaling,

    /// <summary><c>set_point_tampering</c>: an authorised device drives the real process to an abnormal operating point.</summary>
    SetPointTampering,

    /// <summary><c>flood</c>: one device publishes many times its rate.</summary>
    Flood,

    /// <summary><c>unknown_device</c>: a client the plant does not know connects and tries to publish.</summary>
    UnknownDevice,

    /// <summary><c>credential_reuse</c>: a device's valid credentials used by a second client from a new address.</summary>
    CredentialReuse,

    /// <summary><c>baseline_poisoning</c>: a bias grown slowly through the detectors' learning and retraining.</summary>
    BaselinePoisoning,
}

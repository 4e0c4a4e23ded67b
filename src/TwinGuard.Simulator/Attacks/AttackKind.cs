namespace TwinGuard.Simulator.Attacks;

/// <summary>The attacks the campaign can stage; <see cref="AttackNames"/> gives their command-line names.</summary>
public enum AttackKind
{
    /// <summary><c>spike</c>: a few compromised readings far from normal but inside the valid range.</summary>
    Spike,

    /// <summary><c>frozen</c>: a sensor repeats its last value, exactly, for the rest of the window.</summary>
    Frozen,

    /// <summary><c>drift</c>: an additive bias that grows slower than the signal's rate limit.</summary>
    Drift,

    /// <summary><c>replay</c>: a device's earlier messages re-published verbatim (old <c>ts</c> and <c>seq</c>).</summary>
    Replay,

    /// <summary><c>flood</c>: one device publishes at 50 times its rate.</summary>
    Flood,

    /// <summary><c>unknown-device</c>: a client with credentials the plant does not know connects and publishes.</summary>
    UnknownDevice,

    /// <summary><c>wrong-topic</c>: an authorised device publishes to another asset's topic.</summary>
    WrongTopic,
}

namespace TwinGuard.Simulator.Scenarios;

/// <summary>The attack of a scenario and its ground truth: what is attacked, from when to when, how hard.</summary>
/// <param name="Kind">What the attack does.</param>
/// <param name="DeviceId">The device whose identity, connection or data is abused (the intruder's user name for <c>unknown_device</c>).</param>
/// <param name="AssetId">The asset whose data or process is touched, or null for an attack on the device as a whole.</param>
/// <param name="SignalIds">The signals whose data is touched (empty for device-level attacks).</param>
/// <param name="Start">When the attack starts, from the start of the run.</param>
/// <param name="End">When it ends, from the start of the run.</param>
/// <param name="Intensity">How hard, 1 being the default; each kind says what it scales (docs/scenarios.md).</param>
/// <param name="Intensities">The intensities a sweep runs.</param>
public sealed record ScenarioAttack(
    ScenarioKind Kind,
    string DeviceId,
    string? AssetId,
    IReadOnlyList<string> SignalIds,
    TimeSpan Start,
    TimeSpan End,
    double Intensity,
    IReadOnlyList<double> Intensities)
{
    /// <summary>The attack's duration.</summary>
    public TimeSpan Duration => End - Start;

    /// <summary>Whether an offset from the start of the run lies within [Start, End].</summary>
    public bool IsActiveAt(TimeSpan offset) => offset >= Start && offset <= End;
}

namespace TwinGuard.Simulator.Scoring;

/// <summary>
/// Something the pipeline reported (a finding, a refusal at the gate, an incident), reduced to what scoring needs.
/// </summary>
/// <param name="Time">When it was reported.</param>
/// <param name="DeviceId">The device (MQTT user name) it concerns, when known.</param>
/// <param name="AssetId">The asset it concerns, when known.</param>
/// <param name="SignalId">The signal it concerns, when known.</param>
/// <param name="Reason">Why (a reason code or detector name), for the report.</param>
public sealed record Observation(DateTimeOffset Time, string? DeviceId, string? AssetId, string? SignalId, string Reason);

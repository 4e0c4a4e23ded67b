namespace TwinGuard.Simulator.Attacks;

/// <summary>What an attack is aimed at: the ground truth that a detection must point to.</summary>
/// <param name="DeviceId">The device whose identity or data is abused (an unknown device's user name for <c>unknown-device</c>).</param>
/// <param name="AssetId">The asset whose data is touched, or null when the attack is on the device as a whole.</param>
/// <param name="SignalId">The signal whose data is touched, or null when the attack is not on one signal.</param>
public sealed record AttackTarget(string DeviceId, string? AssetId, string? SignalId)
{
    /// <inheritdoc/>
    public override string ToString() =>
        DeviceId + (AssetId is null ? string.Empty : " " + AssetId + (SignalId is null ? string.Empty : "." + SignalId));
}

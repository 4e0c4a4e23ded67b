namespace TwinGuard.Simulator.Devices;

/// <summary>The result of one connection attempt.</summary>
/// <param name="Connected">The device is connected.</param>
/// <param name="RefusedByBroker">The broker answered and refused (bad credentials, banned client); false for network trouble.</param>
/// <param name="Reason">Why it did not connect; null when connected.</param>
public sealed record ConnectOutcome(bool Connected, bool RefusedByBroker, string? Reason)
{
    /// <summary>A successful connection.</summary>
    public static ConnectOutcome Success { get; } = new(true, false, null);
}

namespace TwinGuard.Server.Api;

/// <summary>Switches an asset's maintenance mode.</summary>
/// <param name="Enabled">True: under maintenance.</param>
/// <param name="Reason">Why (required).</param>
internal sealed record MaintenanceRequest(bool Enabled, string Reason);

namespace TwinGuard.Server.Access;

/// <summary>Whether an asset is declared under maintenance (its findings are expected), by whom and why.</summary>
/// <param name="AssetId">The asset.</param>
/// <param name="Enabled">True while under maintenance.</param>
/// <param name="Reason">Why it was switched on or off.</param>
/// <param name="By">Who switched it.</param>
/// <param name="Time">When.</param>
internal sealed record MaintenanceMode(string AssetId, bool Enabled, string Reason, string By, DateTimeOffset Time);

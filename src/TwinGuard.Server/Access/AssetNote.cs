namespace TwinGuard.Server.Access;

/// <summary>An operator's note on an asset (a shift log entry, a work order reference).</summary>
/// <param name="Id">Store id.</param>
/// <param name="AssetId">The asset.</param>
/// <param name="Text">The note.</param>
/// <param name="By">Who.</param>
/// <param name="Time">When.</param>
/// <param name="LedgerEntry">The ledger entry that records it.</param>
internal sealed record AssetNote(long Id, string AssetId, string Text, string By, DateTimeOffset Time, long LedgerEntry);

namespace TwinGuard.Ledger;

/// <summary>
/// Called by <see cref="LedgerReader.Scan"/> for each entry in log order, with its payload valid only during the call;
/// return false to stop.
/// </summary>
public delegate bool LedgerEntryVisitor(long index, LedgerEntryKind kind, DateTimeOffset timestamp, ReadOnlySpan<byte> payload);

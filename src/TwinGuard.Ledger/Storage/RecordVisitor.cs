namespace TwinGuard.Ledger.Storage;

/// <summary>Called for each valid record in log order; return false to stop the scan.</summary>
internal delegate bool RecordVisitor(in RecordView record);

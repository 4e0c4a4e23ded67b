namespace TwinGuard.Ledger.Witnessing;

/// <summary>The newest checkpoint a witness cosigned for one log.</summary>
/// <param name="Origin">The log's origin line.</param>
/// <param name="TreeSize">Its tree size.</param>
/// <param name="RootHash">Its root hash.</param>
public sealed record WitnessedLog(string Origin, long TreeSize, byte[] RootHash);

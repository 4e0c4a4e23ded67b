using TwinGuard.Ledger;
using TwinGuard.Ledger.Proofs;

namespace TwinGuard.Twins.Compliance;

/// <summary>A ledger entry a report cites, with its RFC 6962 inclusion proof against the report's checkpoint.</summary>
/// <param name="Entry">The entry as the ledger holds it.</param>
/// <param name="Summary">What it records (<see cref="EntrySummary"/>).</param>
/// <param name="Proof">Its audit path in the checkpoint's tree.</param>
/// <param name="Withheld">The payload holds a secret (a file recorded before redaction): cited by its leaf hash only.</param>
public sealed record Citation(LedgerEntry Entry, string Summary, InclusionProof Proof, bool Withheld = false);

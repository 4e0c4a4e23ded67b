namespace TwinGuard.Twins.Compliance;

/// <summary>What <see cref="ComplianceVerifier"/> found.</summary>
/// <param name="Standard">The report's standard.</param>
/// <param name="TreeSize">Tree size of the report's checkpoint.</param>
/// <param name="CheckpointVerified">The checkpoint's signature verified with the key given.</param>
/// <param name="CitationsVerified">Cited entries whose proof led to the signed root.</param>
/// <param name="Citations">Cited entries in the report.</param>
/// <param name="LedgerMatched">With a data directory: its ledger holds the checkpoint's tree (null: not asked).</param>
/// <param name="Problems">Everything that did not verify.</param>
public sealed record ReportVerification(
    string Standard,
    long TreeSize,
    bool CheckpointVerified,
    int CitationsVerified,
    int Citations,
    bool? LedgerMatched,
    IReadOnlyList<VerificationProblem> Problems)
{
    /// <summary>True when everything verified.</summary>
    public bool Ok => Problems.Count == 0;
}

using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Twins.Compliance;

/// <summary>A compliance report: each control's status and evidence, and the proofs of every cited ledger entry.</summary>
/// <param name="Catalogue">The standard's catalogue.</param>
/// <param name="TargetLevel">The IEC 62443 security level the report is for (its controls up to that level), or null.</param>
/// <param name="Generated">When the report was made.</param>
/// <param name="Ledger">What the ledger holds for the period.</param>
/// <param name="Plant">The plant model the configuration facts were read from.</param>
/// <param name="Verification">The full check of the ledger, stated as of the report's checkpoint (size, root, checkpoints).</param>
/// <param name="Origin">The log's origin line (C2SP checkpoint note).</param>
/// <param name="CheckpointNote">The checkpoint as a C2SP signed note with stored cosignatures, or null (version 1).</param>
/// <param name="Controls">One result per control in scope, in catalogue order.</param>
/// <param name="Citations">Every cited entry once, by index.</param>
public sealed record ComplianceReport(
    ComplianceCatalogue Catalogue,
    int? TargetLevel,
    DateTimeOffset Generated,
    LedgerEvidence Ledger,
    PlantEvidence Plant,
    LedgerVerificationResult Verification,
    string Origin,
    string? CheckpointNote,
    IReadOnlyList<ControlResult> Controls,
    IReadOnlyList<Citation> Citations)
{
    /// <summary>The checkpoint every citation is proven against.</summary>
    public Checkpoint Checkpoint => Ledger.Checkpoint;

    /// <summary>How many controls have <paramref name="status"/>.</summary>
    public int Count(ControlStatus status) => Controls.Count(c => c.Status == status);
}

namespace TwinGuard.Twins.Compliance;

/// <summary>Where the evidence for a control comes from.</summary>
public enum EvidenceKind
{
    /// <summary>A fact of the configuration the site ran on (<see cref="ComplianceFacts"/>).</summary>
    Fact,

    /// <summary>Ledger entries of some kinds (and finding reasons) in the period.</summary>
    Ledger,

    /// <summary>The newest self-test TwinGuard ran on itself (<c>twinguard simulate --data-dir</c>).</summary>
    SelfTest,
}

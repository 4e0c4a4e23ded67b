using TwinGuard.Ledger.Verification;

namespace TwinGuard.Twins.Compliance;

/// <summary>Everything a report is evaluated from.</summary>
/// <param name="DataDirectory">The site's data directory (intel feeds).</param>
/// <param name="LedgerDirectory">The ledger reported on: the data directory's, or a cluster's shared one.</param>
/// <param name="Ledger">What the ledger holds for the period, up to the signed checkpoint.</param>
/// <param name="Plant">The plant model the site ran on, matched with the ledger.</param>
/// <param name="Verification">The full check of the ledger (every entry, root and signature), stated as of the report's checkpoint.</param>
/// <param name="Now">When the report is made.</param>
public sealed record ComplianceContext(string DataDirectory, string LedgerDirectory, LedgerEvidence Ledger, PlantEvidence Plant, LedgerVerificationResult Verification, DateTimeOffset Now)
{
    /// <summary>Where the API keys are kept, as the report names it ("present", "not created yet", the cluster's records store).</summary>
    public required string KeyStore { get; init; }
}

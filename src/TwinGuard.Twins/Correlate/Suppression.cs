using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Correlate;

/// <summary>
/// An analyst's ruling that a recurring finding is benign: findings of this reason on this asset (and signal) are not
/// admitted until it expires or is lifted. Made from a <c>false_positive</c> verdict; kept in the response store and
/// recorded in the ledger.
/// </summary>
/// <param name="Id">Store id.</param>
/// <param name="Reason">The reason it suppresses.</param>
/// <param name="AssetId">The asset it applies to.</param>
/// <param name="SignalId">The signal, or null for every signal of the asset.</param>
/// <param name="Expires">When it stops applying.</param>
/// <param name="By">Who made it.</param>
/// <param name="Why">The verdict's comment.</param>
/// <param name="FindingId">The finding whose verdict made it.</param>
public sealed record Suppression(long Id, ReasonCode Reason, string AssetId, string? SignalId, DateTimeOffset Expires, string By, string Why, long FindingId)
{
    /// <summary>True when it applies to <paramref name="finding"/> at <paramref name="now"/>.</summary>
    public bool Covers(Finding finding, DateTimeOffset now) =>
        now < Expires && finding.Reason == Reason && finding.AssetId == AssetId && (SignalId is null || finding.SignalId == SignalId)
        && SuppressionList.MaySuppress(finding.Reason, finding.Severity);
}

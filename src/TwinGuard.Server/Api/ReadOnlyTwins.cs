using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Api;

/// <summary>
/// Refuses API writes to a twin that a lockdown made read-only (IEC 62443-3-3 SR 2.1): 423 Locked, naming the
/// quarantine that holds it and how to release it.
/// </summary>
internal static class ReadOnlyTwins
{
    public static ProblemHttpResult? Refuse(string? assetId, AccessRestrictions access, WriteRecorder writes)
    {
        if (assetId is null || !access.IsReadOnly(assetId))
        {
            return null;
        }

        var entry = writes.Read(s => s.FindActive(QuarantineKind.ReadOnly, assetId));
        return Problems.Locked(entry is null
            ? $"the twin of asset '{assetId}' is read-only (lockdown); no write to it is accepted until it is released"
            : $"the twin of asset '{assetId}' is read-only since {entry.Since:u} by {entry.By} ({entry.Reason}); "
              + $"an operator must release quarantine {entry.Id} (POST /api/quarantines/{entry.Id}/release) before it accepts writes");
    }
}

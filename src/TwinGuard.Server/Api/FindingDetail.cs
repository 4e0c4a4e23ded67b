using TwinGuard.Server.Access;
using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Api;

/// <summary>A finding and the verdicts given on it.</summary>
/// <param name="Finding">The stored finding.</param>
/// <param name="Verdicts">Verdicts, oldest first (the last one stands).</param>
internal sealed record FindingDetail(StoredFinding Finding, IReadOnlyList<Verdict> Verdicts);

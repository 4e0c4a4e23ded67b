namespace TwinGuard.Server.Commands;

/// <summary>What <c>twinguard cluster status</c> reports.</summary>
/// <param name="ClusterId">The cluster.</param>
/// <param name="Silos">Every silo in the membership table, dead ones too (until Orleans cleans them up).</param>
internal sealed record ClusterStatus(string ClusterId, IReadOnlyList<SiloStatusEntry> Silos);

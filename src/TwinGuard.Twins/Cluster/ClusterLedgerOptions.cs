using TwinGuard.Ledger;

namespace TwinGuard.Twins.Cluster;

/// <summary>Where a cluster's one ledger lives (storage every silo reaches, docs/cluster.md) and how it is opened.</summary>
/// <param name="Directory">The ledger directory on shared storage.</param>
/// <param name="Options">The ledger's options, with the signing key every silo uses.</param>
public sealed record ClusterLedgerOptions(string Directory, LedgerOptions Options);

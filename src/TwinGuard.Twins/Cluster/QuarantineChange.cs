using TwinGuard.Twins.Gate;

namespace TwinGuard.Twins.Cluster;

/// <summary>A change to the quarantine list decided on one silo, as the cluster passes it to every silo.</summary>
/// <param name="Kind">What changed.</param>
/// <param name="Target">The device, asset or <c>asset/signal</c>.</param>
/// <param name="Origin">The silo process that decided it (it does not apply its own change twice).</param>
/// <param name="DecidedAtMs">When it was decided (Unix ms), to measure how long it took to reach the others.</param>
/// <param name="Version">Its place in the cluster's order of changes (set by the <see cref="IClusterQuarantineGrain"/>).</param>
[GenerateSerializer, Immutable, Alias("twinguard.quarantine-change.v1")]
public sealed record QuarantineChange(
    [property: Id(0)] QuarantineChangeKind Kind,
    [property: Id(1)] string Target,
    [property: Id(2)] string Origin,
    [property: Id(3)] long DecidedAtMs,
    [property: Id(4)] long Version = 0);

using Orleans.Concurrency;

namespace TwinGuard.Twins.Cluster;

/// <summary>
/// The cluster's quarantine list (one per site, keyed by the site id): every silo publishes the changes it decides and
/// long-polls for the others', so that a device quarantined on one silo is refused by every silo's broker.
/// </summary>
[Alias("twinguard.cluster-quarantine")]
public interface IClusterQuarantineGrain : IGrainWithStringKey
{
    /// <summary>Adds changes in order; returns the version of the last. Durable (written to grain storage) when it returns.</summary>
    [Alias("publish")]
    Task<long> PublishAsync(QuarantineChange[] changes);

    /// <summary>
    /// The changes after <paramref name="afterVersion"/>; when there are none yet, waits up to <paramref name="maxWait"/>
    /// for one (a long poll: a change reaches the waiting silos as soon as it is published).
    /// </summary>
    [AlwaysInterleave, Alias("wait")]
    Task<QuarantineUpdate> WaitForChangesAsync(long afterVersion, TimeSpan maxWait);
}

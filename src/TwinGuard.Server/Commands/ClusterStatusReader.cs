using Orleans.Runtime;

namespace TwinGuard.Server.Commands;

/// <summary>
/// What <c>twinguard cluster status</c> and <c>/api/cluster</c> show: every silo in the membership table (active and
/// dead), its load, and the twins active on it, asked of Orleans' management grain through any grain factory (a
/// client's, or a silo's own).
/// </summary>
internal static class ClusterStatusReader
{
    /// <summary>Asks the management grain; <paramref name="clusterId"/> is only echoed in the answer.</summary>
    public static async Task<ClusterStatus> ReadAsync(IGrainFactory factory, string clusterId)
    {
        var management = factory.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: false);
        var active = hosts.Where(h => h.Status == SiloStatus.Active).Select(h => h.SiloAddress).ToArray();
        var runtime = active.Length == 0 ? [] : await management.GetRuntimeStatistics(active);
        var grains = active.Length == 0 ? [] : await management.GetSimpleGrainStatistics(active);
        var detailed = active.Length == 0 ? [] : await management.GetDetailedGrainStatistics(null, active);
        var silos = hosts.OrderBy(h => h.SiloAddress.ToString(), StringComparer.Ordinal).Select(h =>
        {
            var index = Array.IndexOf(active, h.SiloAddress);
            var stats = index >= 0 ? runtime[index] : null;
            long Count(string type) => grains.Where(g => g.SiloAddress.Equals(h.SiloAddress) && IsOf(g.GrainType, type)).Sum(g => (long)g.ActivationCount);
            return new SiloStatusEntry(
                h.SiloAddress.ToString(), h.SiloName, h.Status.ToString(), h.StartTime,
                Count("TwinGrain"), Count("RelationGrain"), stats?.ActivationCount ?? 0,
                stats?.EnvironmentStatistics.FilteredCpuUsagePercentage,
                stats is null ? null : stats.EnvironmentStatistics.FilteredMemoryUsageBytes / 1e6,
                stats?.ReceivedMessages ?? 0, stats?.SentMessages ?? 0,
                [.. detailed.Where(g => g.SiloAddress.Equals(h.SiloAddress) && (IsOf(g.GrainType, "TwinGrain") || string.Equals(g.GrainId.Type.ToString(), "twin", StringComparison.Ordinal)))
                    .Select(g => g.GrainId.Key.ToString()!).Order(StringComparer.Ordinal)]);
        }).ToList();
        return new ClusterStatus(clusterId, silos);
    }

    /// <summary>Orleans names a grain type by its class, with namespace and assembly or without: match the class name.</summary>
    private static bool IsOf(string grainType, string className) => grainType.Contains(className, StringComparison.OrdinalIgnoreCase);
}

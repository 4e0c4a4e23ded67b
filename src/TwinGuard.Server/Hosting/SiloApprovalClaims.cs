using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// A cluster silo's <see cref="ApprovalClaims"/>: it claims approvals under its silo address (with its generation, so a
/// restarted silo on the same endpoint is another owner), and a claim's owner is gone when the cluster's membership
/// declared it dead or a newer incarnation on its endpoint has joined.
/// </summary>
internal static class SiloApprovalClaims
{
    /// <summary>The claims of the silo hosted in <paramref name="services"/>.</summary>
    public static ApprovalClaims For(IServiceProvider services)
    {
        var local = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var membership = services.GetRequiredService<IClusterMembershipService>();
        return new ApprovalClaims(local.ToParsableString(), ApprovalClaims.DefaultLease, owner => IsGone(owner, membership.CurrentSnapshot));
    }

    private static bool IsGone(string owner, ClusterMembershipSnapshot snapshot)
    {
        SiloAddress silo;
        try
        {
            silo = SiloAddress.FromParsableString(owner);
        }
        catch (FormatException)
        {
            return false; // not a silo's name (a single node's, before it joined a cluster): its lease decides
        }

        return snapshot.GetSiloStatus(silo) == SiloStatus.Dead || snapshot.Members.Keys.Any(m => m.IsSuccessorOf(silo));
    }
}

using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Hosting.Cluster;

/// <summary>
/// This silo's broker, with a disconnect passed on to every silo: a device connected to another silo's broker is
/// dropped there too. Denials need nothing more: they follow the quarantine list, which the cluster shares.
/// </summary>
internal sealed class ClusterBrokerEnforcement(IBrokerEnforcement local, ClusterQuarantineService cluster) : IBrokerEnforcement
{
    public Task<IReadOnlyList<string>> EndpointsOfAsync(string deviceId, CancellationToken cancellationToken) => local.EndpointsOfAsync(deviceId, cancellationToken);

    /// <summary>Drops the device's connections here (the count returned) and asks every other silo to drop theirs.</summary>
    public Task<int> DisconnectAsync(string deviceId, CancellationToken cancellationToken)
    {
        cluster.Publish(QuarantineChangeKind.Disconnect, deviceId);
        return local.DisconnectAsync(deviceId, cancellationToken);
    }

    public Task DenyAsync(string deviceId, CancellationToken cancellationToken) => local.DenyAsync(deviceId, cancellationToken);

    public Task AllowAsync(string deviceId, CancellationToken cancellationToken) => local.AllowAsync(deviceId, cancellationToken);
}

using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>Containment at the embedded broker, for the respond stage.</summary>
/// <remarks>
/// Refusing a device needs no state here: <see cref="ValidateConnectionAsync"/> consults the quarantine list (and the
/// revoked credentials) on every CONNECT, and the gate on every PUBLISH, so a deny is in force the moment the respond
/// stage has written the list.
/// </remarks>
public sealed partial class EmbeddedBroker
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> EndpointsOfAsync(string deviceId, CancellationToken cancellationToken)
    {
        var endpoints = new List<string>();
        foreach (var client in await _server.GetClientsAsync())
        {
            if (client.Session.Items[SourceKey] is SourceInfo { RemoteEndpoint: { } remote } source && source.Device.Id == deviceId)
            {
                endpoints.Add(remote);
            }
        }

        return endpoints;
    }

    /// <inheritdoc />
    public Task<int> DisconnectAsync(string deviceId, CancellationToken cancellationToken) => DisconnectDeviceAsync(deviceId);

    /// <inheritdoc />
    public Task DenyAsync(string deviceId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task AllowAsync(string deviceId, CancellationToken cancellationToken) => Task.CompletedTask;
}

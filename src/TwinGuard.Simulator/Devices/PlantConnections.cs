using System.Globalization;

namespace TwinGuard.Simulator.Devices;

/// <summary>
/// The MQTT connections of the plant's own devices during a run: all connected at the start, each reconnected at most
/// once a second after the broker drops it (containment), all closed at the end.
/// </summary>
/// <remarks>Shared by the real-time demo runner and the scenario runner, so both treat a contained device alike.</remarks>
internal sealed class PlantConnections : IAsyncDisposable
{
    private static readonly TimeSpan ReconnectInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many times a device tries to connect at the start before that is a setup error, when the broker neither
    /// accepted nor refused it (a timeout, a connection closed while its password was being checked).
    /// </summary>
    private const int StartAttempts = 5;
    private readonly Dictionary<string, SimulatedDevice> _devices = [];
    private readonly Dictionary<string, DateTimeOffset> _lastReconnect = [];
    private readonly Action<string>? _onEvent;

    private PlantConnections(Action<string>? onEvent) => _onEvent = onEvent;

    /// <summary>Reconnection attempts the broker refused.</summary>
    public long Refused { get; private set; }

    /// <summary>
    /// Connects every device, each publishing with acknowledgement when <paramref name="acknowledged"/>
    /// (<see cref="SimulatedDevice.Acknowledged"/>); a device the broker refuses, or that gets no answer in
    /// <see cref="StartAttempts"/> attempts, is a setup error.
    /// </summary>
    /// <exception cref="InvalidOperationException">A device could not connect (wrong port, refused credentials).</exception>
    public static async Task<PlantConnections> ConnectAsync(
        IEnumerable<DeviceProfile> devices, string clientIdPrefix, string host, int port, TimeSpan connectTimeout, bool acknowledged, Action<string>? onEvent,
        CancellationToken cancellationToken)
    {
        var connections = new PlantConnections(onEvent);
        try
        {
            foreach (var device in devices)
            {
                var connection = new SimulatedDevice(device.Id, device.Password, $"{clientIdPrefix}-{device.Id}", host, port, connectTimeout)
                {
                    Acknowledged = acknowledged,
                };
                connections._devices[device.Id] = connection;
                var outcome = await connection.ConnectAsync(cancellationToken);
                // A broker checks a password with a PBKDF2 that costs seconds on a loaded machine, one check at a time,
                // and gives a client a few seconds to finish connecting: five devices connecting at once can outlast
                // that. Only a refusal, or no answer after a few attempts, means the setup is wrong.
                for (var attempt = 1; !outcome.Connected && !outcome.RefusedByBroker && attempt < StartAttempts; attempt++)
                {
                    onEvent?.Invoke($"device {device.Id} could not connect at the start ({outcome.Reason}): trying again");
                    outcome = await connection.ConnectAsync(cancellationToken);
                }

                if (!outcome.Connected)
                {
                    throw new InvalidOperationException(
                        $"simulated device '{device.Id}' could not connect to {host}:{port.ToString(CultureInfo.InvariantCulture)}: {outcome.Reason}");
                }
            }
        }
        catch
        {
            await connections.DisposeAsync();
            throw;
        }

        return connections;
    }

    /// <summary>Publishes as the message's device, reconnecting it first when the broker dropped it (once a second at most).</summary>
    /// <returns>False when the message could not be sent (not connected, refused, or the publish failed).</returns>
    public async Task<bool> SendAsync(OutgoingMessage message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return await ReconnectIfDroppedAsync(message.DeviceId, now, cancellationToken) && await PublishAsync(message, cancellationToken);
    }

    /// <summary>
    /// Reconnects a device the broker dropped, at most once a second; true when it is connected. Not safe to call
    /// concurrently for one device.
    /// </summary>
    public async Task<bool> ReconnectIfDroppedAsync(string deviceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var device = _devices[deviceId];
        if (device.IsConnected)
        {
            return true;
        }

        if (_lastReconnect.TryGetValue(deviceId, out var last) && now - last < ReconnectInterval)
        {
            return false;
        }

        _lastReconnect[deviceId] = now;
        var outcome = await device.ConnectAsync(cancellationToken);
        if (!outcome.Connected)
        {
            Refused += outcome.RefusedByBroker ? 1 : 0;
            _onEvent?.Invoke($"device {deviceId} could not reconnect: {outcome.Reason}");
            return false;
        }

        _onEvent?.Invoke($"device {deviceId} reconnected");
        return true;
    }

    /// <summary>Publishes as the message's device without reconnecting it; safe to call concurrently.</summary>
    /// <returns>False when the device is not connected or the publish failed.</returns>
    public Task<bool> PublishAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _devices[message.DeviceId].PublishAsync(message, cancellationToken);
    }

    /// <summary>Closes every connection cleanly, giving up after two seconds.</summary>
    public async Task DisconnectAsync()
    {
        using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        foreach (var device in _devices.Values)
        {
            await device.DisconnectAsync(closing.Token);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var device in _devices.Values)
        {
            await device.DisposeAsync();
        }

        _devices.Clear();
    }
}

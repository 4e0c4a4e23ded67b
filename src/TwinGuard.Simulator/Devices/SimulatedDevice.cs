using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace TwinGuard.Simulator.Devices;

/// <summary>One device's MQTT connection: connects with the device's credentials and publishes its messages.</summary>
/// <remarks>
/// Readings go out at QoS 0 without retain, as telemetry from PLCs and gateways usually does: a lost sample is
/// replaced by the next one 250 ms later. A broker that disconnects the device (a containment action) is expected:
/// publishing then reports false and <see cref="ConnectAsync"/> may be tried again. A simulation in simulated time
/// publishes <see cref="Acknowledged"/> instead, so that it knows which messages the broker really took in.
/// </remarks>
public sealed class SimulatedDevice : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _options;

    /// <summary>Creates a device connection (not yet connected).</summary>
    /// <param name="userName">The MQTT user name: the device id.</param>
    /// <param name="password">The MQTT password.</param>
    /// <param name="clientId">The MQTT client id.</param>
    /// <param name="host">Broker host.</param>
    /// <param name="port">Broker port.</param>
    /// <param name="timeout">Connect and I/O timeout.</param>
    /// <param name="localAddress">The address to connect from (e.g. 127.0.0.2 for a second machine on loopback); any when null.</param>
    public SimulatedDevice(string userName, string password, string clientId, string host, int port, TimeSpan timeout, System.Net.IPAddress? localAddress = null)
    {
        UserName = userName;
        ClientId = clientId;
        _client = new MqttClientFactory().CreateMqttClient();
        _options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(clientId)
            .WithCredentials(userName, password)
            .WithCleanSession()
            .WithTimeout(timeout)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .Build();
        if (localAddress is not null && _options.ChannelOptions is MqttClientTcpOptions tcp)
        {
            tcp.LocalEndpoint = new System.Net.IPEndPoint(localAddress, 0);
        }
    }

    /// <summary>The MQTT user name (device id).</summary>
    public string UserName { get; }

    /// <summary>The MQTT client id.</summary>
    public string ClientId { get; }

    /// <summary>
    /// Publish at QoS 1 and return only when the broker has acknowledged the message, instead of at QoS 0 as soon as it
    /// is written to the socket.
    /// </summary>
    /// <value>False.</value>
    /// <remarks>
    /// MQTT 3.1.1 §4.3.2: the broker answers a QoS 1 PUBLISH with PUBACK once it has taken the message in; MQTTnet's
    /// broker sends it after its publish interception, where TwinGuard's gate decides. A simulation that waits for the
    /// pipeline therefore knows that an acknowledged message has been through the gate, and that a message written
    /// just before the broker closed the connection (containment) was not.
    /// </remarks>
    public bool Acknowledged { get; init; }

    /// <summary>Whether the connection is up.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Connects, and says whether it worked and, if not, whether the broker refused.</summary>
    public async Task<ConnectOutcome> ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            var result = await _client.ConnectAsync(_options, cancellationToken);
            return result.ResultCode == MqttClientConnectResultCode.Success
                ? ConnectOutcome.Success
                : new ConnectOutcome(false, true, result.ResultCode.ToString());
        }
        catch (MqttConnectingFailedException e) when (e.InnerException is null)
        {
            // MQTT 3.1.1 §3.2.2.3 / MQTT 5 §3.2.2.2: the broker answered CONNACK with a refusal. Without a CONNACK (the
            // connection closed before the answer: "Error while authenticating", with the cause inside) it is no refusal,
            // and is caught below.
            return new ConnectOutcome(false, true, e.Message);
        }
        catch (MqttCommunicationException e)
        {
            return new ConnectOutcome(false, false, e.Message);
        }
        catch (InvalidOperationException e)
        {
            // The client is still tearing down the connection the broker just closed: try again later.
            return new ConnectOutcome(false, false, e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ConnectOutcome(false, false, "connect timed out");
        }
    }

    /// <summary>Publishes a message (at QoS 0, or 1 when <see cref="Acknowledged"/>); false when the device is not connected or the connection broke.</summary>
    public async Task<bool> PublishAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_client.IsConnected)
        {
            return false;
        }

        var application = new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(message.Payload.ToArray())
            .WithQualityOfServiceLevel(Acknowledged ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce)
            .WithContentType("application/json")
            .Build();
        try
        {
            await _client.PublishAsync(application, cancellationToken);
            return true;
        }
        catch (MqttCommunicationException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            // MQTTnet throws this (MqttClientNotConnectedException) when the broker dropped us between the check and the send.
            return false;
        }
    }

    /// <summary>Disconnects cleanly if connected.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        if (!_client.IsConnected)
        {
            return;
        }

        try
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cancellationToken);
        }
        catch (MqttCommunicationException)
        {
            // Already gone: nothing to close.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller gave up waiting: a broker that holds this connection unread (a flood hold) never takes the
            // DISCONNECT off a full socket. Disposing the client closes the socket.
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await DisconnectAsync(timeout.Token);
        _client.Dispose();
    }
}

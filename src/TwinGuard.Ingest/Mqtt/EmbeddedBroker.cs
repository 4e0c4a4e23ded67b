using System.Buffers;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using TwinGuard.Twins.Edge;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>
/// The embedded MQTT broker (MQTTnet): devices connect with their plant-model credentials, and every publish passes
/// through the gate in the broker's publish interception, before any subscriber sees it.
/// </summary>
/// <remarks>
/// No loop-back subscription: readings are taken where the broker intercepts them, so a refused message is never
/// forwarded (<c>ProcessPublish = false</c>) and an accepted one costs no second trip through the broker. An accepted
/// one is routed to subscribers only once a device was granted a subscription (<see cref="InterceptSubscriptionAsync"/>).
/// </remarks>
public sealed partial class EmbeddedBroker : IAsyncDisposable, IBrokerEnforcement
{
    private const string SourceKey = "twinguard.source";
    private readonly MqttServer _server;
    private readonly ReadingGate _gate;
    private readonly DeviceAuthenticator _authenticator;
    private readonly ILogger _logger;
    private readonly Listening.MqttListenerAdapter _listeners;

    /// <summary>Subscriptions granted since the broker started; never lowered (MQTTnet keeps a persistent session's
    /// subscriptions after its client leaves), so an accepted reading is routed whenever someone may be subscribed.</summary>
    private int _subscriptionsGranted;

    /// <summary>Creates a broker; call <see cref="StartAsync"/> to listen.</summary>
    public EmbeddedBroker(BrokerOptions options, ReadingGate gate, DeviceAuthenticator authenticator, ILogger<EmbeddedBroker> logger, TimeProvider time)
    {
        Options = options;
        _gate = gate;
        _authenticator = authenticator;
        _logger = logger;
        Admission = CreateAdmission(options, time);
        _listeners = CreateListeners(options, logger, time);
        _server = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder().Build(), [_listeners]);
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        _server.InterceptingOutboundPacketAsync += InterceptOutboundAsync;
    }

    /// <summary>Where the broker listens.</summary>
    public BrokerOptions Options { get; }

    /// <summary>Starts listening.</summary>
    public async Task StartAsync()
    {
        await _server.StartAsync();
        foreach (var (listener, endPoint) in _listeners.Bound)
        {
            LogStarted(_logger, listener.Protocol.ToString().ToLowerInvariant(), endPoint);
        }
    }

    /// <summary>
    /// Raised by <see cref="DisconnectDeviceAsync"/> once the device's MQTT 3.1.1 connections are shut down, before
    /// MQTTnet's own teardown: the device, when the disconnect was called and when the shutdowns returned
    /// (<see cref="System.Diagnostics.Stopwatch"/> timestamps), so the path from a finding to the FIN can be split by stage.
    /// </summary>
    public event Action<string, long, long>? DeviceCut;

    /// <summary>Disconnects every client that authenticated as <paramref name="deviceId"/>; returns how many.</summary>
    /// <remarks>
    /// Containment first, on the caller's thread and before any await: the device's MQTT 3.1.1 connections are shut down
    /// (<see cref="Listening.MqttListenerAdapter.CutDevice"/>), which takes a system call, before MQTTnet is asked for
    /// its clients and ends their sessions (its disconnect runs the connection's cancellation callbacks first, and listing
    /// the clients copies every client's status). An MQTT 5 client is told why first ([MQTT-3.14.2]: DISCONNECT with
    /// 0x87 not authorized), then cut: a DISCONNECT after the FIN would never arrive.
    /// </remarks>
    public async Task<int> DisconnectDeviceAsync(string deviceId)
    {
        var called = System.Diagnostics.Stopwatch.GetTimestamp();
        var dropped = new HashSet<string>(_listeners.CutDevice(deviceId), StringComparer.Ordinal);
        DeviceCut?.Invoke(deviceId, called, System.Diagnostics.Stopwatch.GetTimestamp());
        foreach (var client in await _server.GetClientsAsync())
        {
            if (client.Session.Items[SourceKey] is SourceInfo source && source.Device.Id == deviceId)
            {
                // MQTTnet ends the session (sending an MQTT 5 client its DISCONNECT); a connection not cut above is cut
                // here at once rather than when MQTTnet's receive loop gets a thread to unwind on.
                var disconnecting = client.DisconnectAsync(new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.NotAuthorized });
                if (source.RemoteEndpoint is { } remote && !dropped.Contains(remote))
                {
                    _listeners.Cut(remote);
                }

                try
                {
                    await disconnecting;
                }
                catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException)
                {
                    // The connection was already cut: the DISCONNECT could not be sent, the client is gone all the same.
                }

                dropped.Add(source.RemoteEndpoint ?? client.Id);
            }
        }

        return dropped.Count;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server.IsStarted)
        {
            await _server.StopAsync();
        }

        _server.Dispose();
    }

    private async Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        var remote = e.RemoteEndPoint?.ToString();

        // A name that is no device is recorded at once, so its finding can open an incident and be contained while the
        // intruder keeps trying; the refusal is answered only after the dummy check a wrong password costs, so the answer's
        // time still tells nothing. Recorded after that check, three attempts waited for three PBKDF2s one after the other
        // (one check at a time): seconds each on a loaded machine, and the intruder was contained long after.
        var unknown = _authenticator.RefusalOfUnknownName(e.UserName, e.ClientCertificate);
        if (unknown is not null)
        {
            RecordRefusal(e, unknown, remote);
        }

        var authentication = await _authenticator.AuthenticateAsync(e.UserName, e.Password, e.ClientCertificate, e.CancellationToken);
        if (unknown is not null || authentication.Device is not { } device)
        {
            // An unknown name stays refused as recorded, even if a reload added it while its check ran.
            if (unknown is null)
            {
                RecordRefusal(e, authentication, remote);
            }

            e.ReasonCode = ConnackFor((unknown ?? authentication).Refusal!.Value);
            return;
        }

        _gate.ObserveConnection(new ConnectionAttempt("mqtt", e.UserName, e.ClientId, (e.RemoteEndPoint as System.Net.IPEndPoint)?.Address, device.Id));
        AssignClientIdIfMissing(e, device.Id);

        // Named before the revocation and the quarantine are checked: a containment written after these checks finds the
        // connection (DisconnectDeviceAsync) although MQTTnet lists it only after its CONNACK. A connection refused below
        // keeps the name until it closes; cutting it again is harmless.
        if (remote is not null)
        {
            _listeners.Attribute(remote, device.Id, hearsWhy: e.ProtocolVersion == MQTTnet.Formatter.MqttProtocolVersion.V500);
        }

        if (_gate.Quarantine.AreCredentialsRevoked(device.Id))
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            _gate.RefuseConnection(device.Id, e.ClientId, remote, ReasonCode.BadCredentials, $"credentials of device '{device.Id}' are revoked; connection from {remote} refused");
            return;
        }

        if ((e.RemoteEndPoint as System.Net.IPEndPoint)?.Address is { } address && !device.IsExpectedAddress(address))
        {
            e.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            _gate.RefuseConnection(device.Id, e.ClientId, remote, ReasonCode.UnexpectedAddress,
                $"valid credentials of device '{device.Id}' from {remote}, which is not one of its addresses ({string.Join(", ", device.Addresses)}): refused");
            return;
        }

        if (_gate.Quarantine.IsDeviceQuarantined(device.Id))
        {
            e.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            _gate.RefuseConnection(device.Id, e.ClientId, remote, ReasonCode.Quarantined, $"device '{device.Id}' is quarantined; connection from {remote} refused");
            return;
        }

        if (Options.HoldFlooders && _gate.Flood.IsCutOff(device.Id, out var cutOffLeft))
        {
            // MQTT 5.0 §3.2.2.2: 0x9F connection rate exceeded (MQTTnet answers a 3.1.1 client "not authorized", 5).
            e.ReasonCode = MqttConnectReasonCode.ConnectionRateExceeded;
            _gate.RefuseConnection(device.Id, e.ClientId, remote, ReasonCode.Flooding,
                $"device '{device.Id}' was cut off for flooding ({cutOffLeft.TotalSeconds:0} s left); connection from {remote} refused");
            return;
        }

        e.SessionItems[SourceKey] = new SourceInfo(device, e.ClientId, remote) { Batch = remote is null ? null : _listeners.BatchOf(remote) };
        TrackAcknowledgements(e);
        TrackRefusals(e);
        TrackReasonStrings(e);
        e.ReasonCode = MqttConnectReasonCode.Success;
    }

    /// <summary>Records a CONNECT whose credentials are refused (the CONNACK's reason code is set by the caller).</summary>
    private void RecordRefusal(ValidatingConnectionEventArgs e, DeviceAuthentication refused, string? remote)
    {
        _gate.ObserveConnection(new ConnectionAttempt("mqtt", e.UserName, e.ClientId, (e.RemoteEndPoint as System.Net.IPEndPoint)?.Address, null));

        // Before any refusal: an MQTT 3.1.1 client without a client id would otherwise hear "identifier rejected" (2)
        // instead of the reason it is refused, such as "bad user name or password" (4) [MQTT-3.2.2-5].
        var clientId = e.ClientId;
        AssignClientIdIfMissing(e, "refused");
        _gate.RefuseConnection(e.UserName, clientId, remote, refused.Refusal!.Value, $"{refused.Detail} (client id '{EvidenceClip.Text(clientId)}') from {remote}");
    }

    /// <summary>
    /// MQTT 3.1.1 §3.1.3.1 [MQTT-3.1.3-6]: a server may accept a zero-length client id when the session is clean, and
    /// assign one; mosquitto_pub 2.x sends none by default. MQTTnet 5.2 assigns ids only to MQTT 5 clients and refuses
    /// the others after validation, so the id is written into the CONNECT packet here. With a persistent session a
    /// zero-length id stays refused [MQTT-3.1.3-8].
    /// </summary>
    private static void AssignClientIdIfMissing(ValidatingConnectionEventArgs e, string deviceId)
    {
        if (string.IsNullOrEmpty(e.ClientId) && e.CleanSession != false)
        {
            ConnectPacket(e).ClientId = $"{deviceId}-{Guid.NewGuid():N}";
        }
    }

    // MQTTnet keeps the CONNECT packet private; see AssignClientIdIfMissing for why it must be reached.
    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = "_connectPacket")]
    private static extern ref MQTTnet.Packets.MqttConnectPacket ConnectPacket(ValidatingConnectionEventArgs e);

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        var arrival = _gate.Time.GetTimestamp();
        if (e.SessionItems?[SourceKey] is not SourceInfo source)
        {
            return; // Published by TwinGuard itself (injected), not by a device.
        }

        if (BreaksPublishRules(e, source))
        {
            await HoldPastRefusalBudgetAsync(e, source);
            return;
        }

        if (source.Device.EdgeLedgerKey is not null)
        {
            await InterceptOwnTopicAsync(e, source, "edge", EdgeTopics.Up(source.Device.Id), Edges is { } edges ? edges.ReceiveAsync : null);
            return;
        }

        if (source.Device.Peer is not null)
        {
            await InterceptOwnTopicAsync(e, source, "peer", PeerTopics.Up(source.Device.Id), Peers is { } peers ? peers.ReceiveAsync : null);
            return;
        }

        var payload = e.ApplicationMessage.Payload;
        var bytes = payload.IsSingleSegment ? payload.First : payload.ToArray();
        var hold = TimeSpan.Zero;
        var cutOff = false;
        var refused = true;
        try
        {
            var kept = e.ApplicationMessage.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce;
            var decision = await _gate.AdmitAsync(source, e.ApplicationMessage.Topic, bytes, arrival, kept, kept && NothingElseInFlight(e));
            // Routed on only when some device may be listening: MQTTnet otherwise copies its list of subscriber
            // sessions, hashes the topic and finds no one, for every reading (and tells an MQTT 5 client 0x10 "no
            // matching subscribers" in a PUBACK for a reading that was accepted and kept).
            e.ProcessPublish = decision.Accepted && Volatile.Read(ref _subscriptionsGranted) > 0;
            refused = !decision.Accepted;
            if (refused)
            {
                AnswerRefusal(e, decision.Reason);
            }

            HoldAcknowledgement(e, decision.Kept);
            hold = decision.HoldReading;
            cutOff = decision.CutOff;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nothing a client sends may take the broker down; the message is refused and the fault logged.
            e.ProcessPublish = false;
            AnswerRefusal(e, null);
            HoldAcknowledgement(e, null);
            LogInterceptFailed(_logger, ex, source.Device.Id, e.ApplicationMessage.Topic);
        }

        if (cutOff && Options.HoldFlooders)
        {
            // Not awaited: this runs on the flooder's own receive loop, which the disconnect stops.
            LogCutOff(_logger, source.Device.Id, e.ClientId, FloodGuard.SustainedAfter.TotalSeconds, (_gate.Plant.Validation.FloodCutOff ?? FloodGuard.CutOffFor).TotalSeconds);
            _ = DisconnectFlooderAsync(e.ClientId);
        }
        else if (hold > TimeSpan.Zero && Options.HoldFlooders)
        {
            source.Batch?.Flush(); // what this connection let through before does not wait out the hold
            await HoldReadingAsync(hold, e.CancellationToken);
        }
        else if (refused)
        {
            await HoldPastRefusalBudgetAsync(e, source);
        }
    }

    /// <summary>Closes a client cut off for a sustained flood (MQTT 5.0 §3.14.2.1: 0x96 message rate too high).</summary>
    private async Task DisconnectFlooderAsync(string clientId)
    {
        try
        {
            foreach (var client in await _server.GetClientsAsync())
            {
                if (client.Id == clientId)
                {
                    await client.DisconnectAsync(new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.MessageRateTooHigh });
                }
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException or System.IO.IOException)
        {
            // Already gone: nothing left to close.
        }
    }

    /// <summary>
    /// Leaves a flooder's connection unread for <paramref name="hold"/>: this runs on the connection's own receive loop
    /// (MQTTnet awaits the publish interception before it reads the next packet), so the flood waits in the flooder's
    /// socket and TCP window, costing the broker nothing, while every other connection is read as before.
    /// </summary>
    private async Task HoldReadingAsync(TimeSpan hold, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(hold, _gate.Time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The connection closed (a disconnect, the quarantine playbook): nothing left to hold.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT broker listening ({Protocol}) on {EndPoint}")]
    private static partial void LogStarted(ILogger logger, string protocol, System.Net.IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} (client {ClientId}) flooded for over {Seconds} s: disconnected, its connections refused for {CutOffSeconds} s")]
    private static partial void LogCutOff(ILogger logger, string deviceId, string clientId, double seconds, double cutOffSeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Publish from {DeviceId} to {Topic} failed inside the gate")]
    private static partial void LogInterceptFailed(ILogger logger, Exception exception, string deviceId, string topic);
}

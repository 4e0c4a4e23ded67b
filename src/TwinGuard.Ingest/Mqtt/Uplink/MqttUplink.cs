using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using TwinGuard.Ingest.Mqtt.Tls;
using TwinGuard.Twins.Uplink;

namespace TwinGuard.Ingest.Mqtt.Uplink;

/// <summary>
/// A store-and-forward link to another broker: an MQTT 5 client over mutual TLS that drains an <see cref="Outbox"/> in
/// order, one message at a time, advancing only on the receiver's PUBACK, and hands what the receiver sends back to
/// <see cref="Received"/>. The edge's link to its site and a site's link to each peer are both one of these
/// (docs/edge.md, docs/sharing.md); Orleans-free, so that the Native AOT edge compiles it too.
/// </summary>
/// <remarks>
/// At least once (MQTT 5.0 §4.3.2, QoS 1): a message whose PUBACK was lost with the link is sent again after
/// reconnecting, with the same id, and the receiver keeps it once. While the link is down the outbox grows on disk
/// (bounded). A PUBACK reason code of 0x80 or above (MQTT 5.0 §3.4.2.1) means the receiver refused the message: the
/// link reports the reason once and tries again after <see cref="MqttUplinkOptions.RetryDelay"/>, so a receiver over
/// its rate or queue makes the sender wait, not spin. Problems are reported once each until the link is up again.
/// </remarks>
public sealed class MqttUplink : IAsyncDisposable
{
    private readonly MqttUplinkOptions _options;
    private readonly Outbox _outbox;
    private readonly TimeProvider _time;
    private readonly IMqttClient _client;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private string? _lastProblem;
    private long _connections;

    /// <summary>A link that drains <paramref name="outbox"/> to the broker <paramref name="options"/> names.</summary>
    public MqttUplink(MqttUplinkOptions options, Outbox outbox, TimeProvider time)
    {
        _options = options;
        _outbox = outbox;
        _time = time;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnReceivedAsync;
    }

    /// <summary>Raised with every message the receiver sends on <see cref="MqttUplinkOptions.Subscribe"/> (topic, payload).</summary>
    public event Action<string, ReadOnlyMemory<byte>>? Received;

    /// <summary>Raised when the link is up (connected and subscribed), with the number of messages waiting.</summary>
    public event Action<long>? Linked;

    /// <summary>Raised with each new problem (a repeat of the last one is not raised again until the link was up).</summary>
    public event Action<string>? ProblemRaised;

    /// <summary>True while connected.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Times the link was established since start.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>The last problem, or null while all is well.</summary>
    public string? Problem => _lastProblem;

    /// <summary>The outbox it drains.</summary>
    public Outbox Outbox => _outbox;

    /// <summary>Starts draining.</summary>
    public void Start() => _loop = Task.Run(RunAsync);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync();
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // the link went while stopping
            }
        }

        _client.Dispose();
        _stop.Dispose();
    }

    private MqttClientOptions ClientOptions() =>
        new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_options.ClientId)
            .WithCredentials(_options.ClientId, (string?)null)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.Timeout)
            .WithTlsOptions(ExternalBrokerTls.Options(new ExternalBrokerOptions(_options.Host, _options.Port, _options.ClientId, string.Empty) { Tls = _options.Tls }))
            .Build();

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (!_client.IsConnected)
                {
                    await ConnectAsync(token);
                }

                await DrainAsync(token);
                await _outbox.WaitAsync(TimeSpan.FromSeconds(1), token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or IOException or InvalidOperationException
                                           or System.Security.Authentication.AuthenticationException or OperationCanceledException
                                           or RefusedException or System.Net.Sockets.SocketException)
            {
                var problem = $"{_options.Host}:{_options.Port}: {ex.Message}";
                if (!string.Equals(problem, _lastProblem, StringComparison.Ordinal))
                {
                    _lastProblem = problem;
                    ProblemRaised?.Invoke(problem);
                }

                await Task.Delay(_options.RetryDelay, _time, token);
            }
        }
    }

    private async Task ConnectAsync(CancellationToken token)
    {
        var result = await _client.ConnectAsync(ClientOptions(), token);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new RefusedException($"connection refused: {result.ResultCode} {result.ReasonString}");
        }

        if (_options.Subscribe is { } filter)
        {
            // MQTT 5.0 §3.8: QoS 1, so that what the receiver sends while this side reconnects is not lost in flight.
            await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), token);
        }

        Interlocked.Increment(ref _connections);
        _lastProblem = null;
        Linked?.Invoke(_outbox.Counts.Depth);
    }

    private async Task DrainAsync(CancellationToken token)
    {
        while (_outbox.TryPeek(out var text))
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(_options.Topic)
                .WithPayload(Encoding.UTF8.GetBytes(text))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            var result = await _client.PublishAsync(message, token);
            if (!result.IsSuccess)
            {
                throw new RefusedException($"the receiver refused a message: {result.ReasonCode} {result.ReasonString}");
            }

            _outbox.Advance();
        }
    }

    private Task OnReceivedAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var payload = e.ApplicationMessage.Payload;
        if (payload.Length > _options.MaxReceivedBytes)
        {
            ProblemRaised?.Invoke($"a message of {payload.Length} bytes on {e.ApplicationMessage.Topic} dropped: at most {_options.MaxReceivedBytes}");
        }
        else
        {
            Received?.Invoke(e.ApplicationMessage.Topic, payload.ToArray());
        }

        return Task.CompletedTask;
    }

    private sealed class RefusedException(string message) : Exception(message);
}

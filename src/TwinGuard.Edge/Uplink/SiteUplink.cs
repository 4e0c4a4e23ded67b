using System.Buffers;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Ingest.Mqtt.Tls;
using TwinGuard.Twins.Edge;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Edge.Uplink;

/// <summary>
/// The edge's link to its site: an MQTT 5 client over TLS (the site CA pinned, the edge's certificate) that drains the
/// <see cref="Outbox"/> in order, one message at a time, advancing only on the site's PUBACK, and hands what the site
/// sends down (containments, cosignatures) to <see cref="Received"/>.
/// </summary>
/// <remarks>
/// At-least-once: a message whose PUBACK was lost with the link is sent again after reconnecting, with the same id;
/// the site keeps it once. While the link is down the outbox grows on disk (bounded) and the edge goes on alone.
/// MQTT 5.0 §4.3.3: the PUBACK reason code says whether the site took the message; a refusal (≥ 0x80) is not retried
/// at once, the link waits and tries again, so a site that refuses does not make the edge spin.
/// </remarks>
internal sealed class SiteUplink : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);
    private readonly string _edgeId;
    private readonly SiteLink _link;
    private readonly Outbox _outbox;
    private readonly EdgeLog _log;
    private readonly TimeProvider _time;
    private readonly IMqttClient _client;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private string? _lastProblem;

    public SiteUplink(string edgeId, SiteLink link, Outbox outbox, EdgeLog log, TimeProvider time)
    {
        _edgeId = edgeId;
        _link = link;
        _outbox = outbox;
        _log = log;
        _time = time;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnReceivedAsync;
    }

    /// <summary>Raised for every well-formed message the site sends down.</summary>
    public event Action<EdgeDownMessage>? Received;

    /// <summary>True while connected to the site.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Times the link was established since start.</summary>
    public long Connections { get; private set; }

    /// <summary>Starts draining the outbox to the site.</summary>
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

    private MqttClientOptions Options() =>
        new MqttClientOptionsBuilder()
            .WithTcpServer(_link.Host, _link.Port)
            .WithClientId(_edgeId)
            .WithCredentials(_edgeId, (string?)null)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(5))
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithTlsOptions(ExternalBrokerTls.Options(new ExternalBrokerOptions(_link.Host, _link.Port, _edgeId, string.Empty)
            {
                Tls = new ClientTls(_link.CaFile, _link.CertificateFile, _link.KeyFile),
            }))
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
                                           or SiteRefusedException or System.Net.Sockets.SocketException)
            {
                Problem($"site {_link.Host}:{_link.Port}: {ex.Message}");
                await Task.Delay(RetryDelay, _time, token);
            }
        }
    }

    private async Task ConnectAsync(CancellationToken token)
    {
        var result = await _client.ConnectAsync(Options(), token);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new SiteRefusedException($"connection refused: {result.ResultCode} {result.ReasonString}");
        }

        // MQTT 5.0 §3.8: QoS 1, so that a containment sent while the edge reconnects is not lost in flight.
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(EdgeTopics.Down(_edgeId), MqttQualityOfServiceLevel.AtLeastOnce).Build(), token);
        Connections++;
        _lastProblem = null;
        _log.Info($"linked to site {_link.Host}:{_link.Port}; {_outbox.Depth} message(s) waiting");
    }

    private async Task DrainAsync(CancellationToken token)
    {
        var topic = EdgeTopics.Up(_edgeId);
        while (_outbox.TryPeek(out var json))
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(Encoding.UTF8.GetBytes(json))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            var result = await _client.PublishAsync(message, token);
            if (!result.IsSuccess)
            {
                throw new SiteRefusedException($"the site refused a message: {result.ReasonCode} {result.ReasonString}");
            }

            _outbox.Advance();
        }
    }

    private Task OnReceivedAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        EdgeDownMessage? message = null;
        try
        {
            var payload = e.ApplicationMessage.Payload;
            message = payload.Length <= 64 * 1024 ? JsonSerializer.Deserialize(payload.ToArray(), EdgeJson.Default.EdgeDownMessage) : null;
        }
        catch (JsonException ex)
        {
            _log.Warn($"site message on {e.ApplicationMessage.Topic} is not JSON the edge understands: {ex.Message}");
        }

        if (message is not null)
        {
            Received?.Invoke(message);
        }

        return Task.CompletedTask;
    }

    private void Problem(string text)
    {
        if (!string.Equals(text, _lastProblem, StringComparison.Ordinal))
        {
            _lastProblem = text;
            _log.Warn(text + " (retrying; readings and findings are kept on disk meanwhile)");
        }
    }

    private sealed class SiteRefusedException(string message) : Exception(message);
}

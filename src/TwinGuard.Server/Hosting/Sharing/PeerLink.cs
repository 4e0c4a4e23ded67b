using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Ingest.Mqtt.Tls;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;
using TwinGuard.Twins.Share;

namespace TwinGuard.Server.Hosting.Sharing;

/// <summary>
/// This site's link to one peer: an MQTT 5 client of the peer's broker over mutual TLS (the peer's CA pinned, this
/// site's certificate) that drains the peer's <see cref="PeerOutbox"/> in order, one message at a time, advancing only
/// on the peer's PUBACK (MQTT 5.0 §4.3.2: QoS 1, at least once; the peer keeps each id once).
/// </summary>
/// <remarks>
/// A PUBACK with a reason code of 0x80 or above (MQTT 5.0 §3.4.2.1) means the peer refused the message: the link
/// logs the reason string once and tries again later, so a peer over its rate or queue makes the sender wait, not spin.
/// </remarks>
internal sealed partial class PeerLink(string siteId, DeviceModel peer, SharingSettings sharing, PeerOutbox outbox, TimeProvider time, ILogger logger)
    : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private string? _lastProblem;

    /// <summary>The peer it sends to.</summary>
    public DeviceModel Peer => peer;

    /// <summary>True while connected to the peer.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>The last problem, or null while all is well.</summary>
    public string? Problem => _lastProblem;

    public void Start() => _loop = Task.Run(RunAsync);

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

    private MqttClientOptions Options()
    {
        var broker = peer.Peer!.Broker!;
        var colon = broker.LastIndexOf(':');
        var (host, port) = (broker[..colon], int.Parse(broker.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture));
        return new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(siteId)
            .WithCredentials(siteId, (string?)null)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithTlsOptions(ExternalBrokerTls.Options(new ExternalBrokerOptions(host, port, siteId, string.Empty)
            {
                Tls = new ClientTls(peer.Peer.CaFile, sharing.CertificateFile, sharing.KeyFile),
            }))
            .Build();
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (!_client.IsConnected)
                {
                    var result = await _client.ConnectAsync(Options(), token);
                    if (result.ResultCode != MqttClientConnectResultCode.Success)
                    {
                        throw new PeerRefusedException($"connection refused: {result.ResultCode} {result.ReasonString}");
                    }

                    _lastProblem = null;
                    LogLinked(logger, peer.Id, peer.Peer!.Broker!, outbox.Counts.Depth);
                }

                await DrainAsync(token);
                await outbox.WaitAsync(TimeSpan.FromSeconds(1), token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or IOException or InvalidOperationException
                                           or System.Security.Authentication.AuthenticationException or OperationCanceledException
                                           or PeerRefusedException or System.Net.Sockets.SocketException)
            {
                var problem = $"{peer.Peer!.Broker}: {ex.Message}";
                if (!string.Equals(problem, _lastProblem, StringComparison.Ordinal))
                {
                    _lastProblem = problem;
                    LogProblem(logger, peer.Id, problem);
                }

                await Task.Delay(RetryDelay, time, token);
            }
        }
    }

    private async Task DrainAsync(CancellationToken token)
    {
        var topic = "peer/" + siteId + "/up";
        while (outbox.TryPeek(out var envelope))
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(Encoding.UTF8.GetBytes(envelope))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            var result = await _client.PublishAsync(message, token);
            if (!result.IsSuccess)
            {
                throw new PeerRefusedException($"the peer refused a message: {result.ReasonCode} {result.ReasonString}");
            }

            outbox.Advance();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Peers: linked to {Peer} at {Broker}; {Waiting} message(s) waiting")]
    private static partial void LogLinked(ILogger logger, string peer, string broker, long waiting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peers: {Peer}: {Problem} (retrying; messages are kept on disk meanwhile)")]
    private static partial void LogProblem(ILogger logger, string peer, string problem);

    private sealed class PeerRefusedException(string message) : Exception(message);
}

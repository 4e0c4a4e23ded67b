using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>
/// External broker mode: where a plant already runs mosquitto 2, TwinGuard subscribes to the plant's topics as a
/// client, puts every message through the gate, and contains devices through mosquitto's dynamic-security plugin.
/// </summary>
/// <remarks>
/// <para>A subscriber does not learn who published a message, so the source is the device whose topic filters match
/// the topic most specifically (an exact filter before <c>+</c>, <c>+</c> before <c>#</c>): the broker's ACLs must let
/// only that device publish there. Messages already went to other subscribers before TwinGuard saw them: the gate's
/// refusal here is a finding and a record, and containment happens at the broker.</para>
/// <para>Containment: <c>disableClient</c> on <see cref="ExternalBrokerOptions.ControlTopic"/> refuses the client's logins
/// and disconnects the connected ones; <c>enableClient</c> lets it back. Each command carries correlation data and its
/// answer on the response topic is awaited, so an error (an unknown client, a missing ACL) is reported, not lost.</para>
/// </remarks>
public sealed partial class ExternalBroker : IBrokerEnforcement, IAsyncDisposable
{
    private readonly ExternalBrokerOptions _options;
    private readonly ReadingGate _gate;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _denied = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SourceInfo?> _sources = new(StringComparer.Ordinal);
    private long _correlation;

    /// <summary>Creates the client; <see cref="StartAsync"/> connects and subscribes.</summary>
    public ExternalBroker(ExternalBrokerOptions options, ReadingGate gate, ILogger<ExternalBroker> logger)
    {
        _options = options;
        _gate = gate;
        _logger = logger;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>Connects to the broker and subscribes to the plant's topics and the plugin's answers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithCredentials(_options.UserName, _options.Password)
            .WithClientId(_options.ClientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithCleanSession()
            .WithTimeout(_options.CommandTimeout)
            .WithTlsOptions(Tls.ExternalBrokerTls.Options(_options))
            .Build();
        var connected = await _client.ConnectAsync(options, cancellationToken);
        if (connected.ResultCode != MqttClientConnectResultCode.Success || !_client.IsConnected)
        {
            throw new InvalidOperationException($"broker {_options.Host}:{_options.Port} refused TwinGuard ({_options.UserName}): {connected.ResultCode} {connected.ReasonString}");
        }

        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(_gate.Plant.Site.TopicPrefix + "/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(ExternalBrokerOptions.ResponseTopic, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await _client.SubscribeAsync(subscribe, cancellationToken);
        foreach (var item in result.Items.Where(i => (int)i.ResultCode >= 0x80))
        {
            throw new InvalidOperationException($"broker {_options.Host}:{_options.Port} refused TwinGuard's subscription to '{item.TopicFilter.Topic}': {item.ResultCode}");
        }

        LogConnected(_logger, _options.Host, _options.Port);
    }

    /// <summary>Disconnects from the broker.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _client.Dispose();
    }

    /// <summary>A subscriber does not see publishers' addresses: always empty.</summary>
    public Task<IReadOnlyList<string>> EndpointsOfAsync(string deviceId, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

    /// <summary>
    /// mosquitto only disconnects a client by disabling it: disable, then enable again unless the device is denied.
    /// mosquitto does not say how many connections it dropped; 1 stands for "the broker dropped them".
    /// </summary>
    public async Task<int> DisconnectAsync(string deviceId, CancellationToken cancellationToken)
    {
        await CommandAsync("disableClient", deviceId, cancellationToken);
        if (!_denied.ContainsKey(deviceId))
        {
            await CommandAsync("enableClient", deviceId, cancellationToken);
        }

        return 1;
    }

    /// <inheritdoc />
    public async Task DenyAsync(string deviceId, CancellationToken cancellationToken)
    {
        _denied[deviceId] = 0;
        await CommandAsync("disableClient", deviceId, cancellationToken);
    }

    /// <inheritdoc />
    public async Task AllowAsync(string deviceId, CancellationToken cancellationToken)
    {
        _denied.TryRemove(deviceId, out _);
        await CommandAsync("enableClient", deviceId, cancellationToken);
    }

    /// <summary>Sends one dynamic-security command and waits for its answer; throws with the plugin's error.</summary>
    private async Task CommandAsync(string command, string userName, CancellationToken cancellationToken)
    {
        var correlation = "twinguard-" + Interlocked.Increment(ref _correlation).ToString(CultureInfo.InvariantCulture);
        var answer = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[correlation] = answer;
        try
        {
            var body = new JsonObject
            {
                ["commands"] = new JsonArray(new JsonObject { ["command"] = command, ["username"] = userName, ["correlationData"] = correlation }),
            };
            await _client.PublishAsync(
                new MqttApplicationMessageBuilder().WithTopic(ExternalBrokerOptions.ControlTopic).WithPayload(body.ToJsonString())
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                cancellationToken);
            var response = await answer.Task.WaitAsync(_options.CommandTimeout, cancellationToken);
            if (response["error"] is { } error)
            {
                throw new InvalidOperationException($"mosquitto dynamic-security {command} '{userName}': {error}");
            }
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"mosquitto dynamic-security {command} '{userName}': no answer within {_options.CommandTimeout.TotalSeconds:0} s (is the plugin loaded and TwinGuard's user allowed on {ExternalBrokerOptions.ControlTopic}?)");
        }
        finally
        {
            _pending.TryRemove(correlation, out _);
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var arrival = _gate.Time.GetTimestamp();
        var topic = e.ApplicationMessage.Topic;
        var payload = e.ApplicationMessage.Payload;
        var bytes = payload.IsSingleSegment ? payload.First : payload.ToArray();
        if (topic == ExternalBrokerOptions.ResponseTopic)
        {
            OnControlResponse(bytes);
            return;
        }

        if (SourceOf(topic) is not { } source)
        {
            return; // No device may publish here: the broker's ACLs let someone else do it; nothing to attribute.
        }

        try
        {
            await _gate.AdmitAsync(source, topic, bytes, arrival);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAdmitFailed(_logger, ex, source.Device.Id, topic);
        }
    }

    private void OnControlResponse(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            if (JsonNode.Parse(bytes.Span) is JsonObject { } root && root["responses"] is JsonArray responses)
            {
                foreach (var response in responses.OfType<JsonObject>())
                {
                    if (response["correlationData"]?.GetValue<string>() is { } id && _pending.TryGetValue(id, out var waiter))
                    {
                        waiter.TrySetResult(response);
                    }
                }
            }
        }
        catch (JsonException ex)
        {
            LogBadControlResponse(_logger, ex);
        }
    }

    /// <summary>The device whose filters match the topic most specifically (fewest wildcards), cached per topic.</summary>
    private SourceInfo? SourceOf(string topic) => _sources.GetOrAdd(topic, static (t, plant) =>
    {
        var best = plant.Devices
            .SelectMany(d => d.Topics.Where(f => TopicFilter.Matches(f, t)).Select(f => (Device: d, Rank: f.Count(c => c is '+' or '#') + (f.EndsWith('#') ? 100 : 0))))
            .OrderBy(m => m.Rank)
            .FirstOrDefault();
        return best.Device is null ? null : new SourceInfo(best.Device, "(external broker)", null);
    }, _gate.Plant);

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscribed to the plant's topics on the external broker {Host}:{Port}")]
    private static partial void LogConnected(ILogger logger, string host, int port);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message from {DeviceId} on {Topic} failed inside the gate")]
    private static partial void LogAdmitFailed(ILogger logger, Exception exception, string deviceId, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unreadable answer on the dynamic-security response topic")]
    private static partial void LogBadControlResponse(ILogger logger, Exception exception);
}

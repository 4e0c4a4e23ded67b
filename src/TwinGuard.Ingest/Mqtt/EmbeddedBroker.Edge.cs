using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using TwinGuard.Twins.Edge;
using TwinGuard.Twins.Edge.Site;
using TwinGuard.Twins.Gate;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>
/// Edge agents are a class of device: declared in the plant model with <c>edge:</c>, authenticated like any device
/// (a client certificate), they publish on <c>edge/ID/up</c> only, and what they publish goes to <see cref="Edges"/>,
/// not to the gate (the edge's own gate has already judged it).
/// </summary>
public sealed partial class EmbeddedBroker
{
    private IEdgeReceiver? _edges;
    private bool _edgeSubscriptionsFollowed;

    /// <summary>Where edge messages go; null: edges are refused like a device publishing outside its topics.</summary>
    public IEdgeReceiver? Edges
    {
        get => _edges;
        set
        {
            _edges = value;
            if (value is not null && !_edgeSubscriptionsFollowed)
            {
                _edgeSubscriptionsFollowed = true;
                _server.ClientSubscribedTopicAsync += OnClientSubscribedAsync;
            }
        }
    }

    /// <summary>Sends a message down to an edge (<see cref="EdgeTopics.Down"/>), at least once while it is connected.</summary>
    public Task SendToEdgeAsync(string edgeId, byte[] payload, CancellationToken cancellationToken) =>
        _server.InjectApplicationMessage(
            new InjectedMqttApplicationMessage(new MqttApplicationMessageBuilder()
                .WithTopic(EdgeTopics.Down(edgeId)).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build()),
            cancellationToken);

    private async Task OnClientSubscribedAsync(ClientSubscribedTopicEventArgs e)
    {
        if (_edges is { } edges && e.SessionItems?[SourceKey] is SourceInfo { Device.EdgeLedgerKey: not null } source
            && string.Equals(e.TopicFilter.Topic, EdgeTopics.Down(source.Device.Id), StringComparison.Ordinal))
        {
            try
            {
                await edges.LinkedAsync(source.Device, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogInterceptFailed(_logger, ex, source.Device.Id, e.TopicFilter.Topic);
            }
        }
    }
}

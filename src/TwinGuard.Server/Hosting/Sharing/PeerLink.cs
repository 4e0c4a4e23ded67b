using TwinGuard.Ingest.Mqtt.Uplink;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;
using TwinGuard.Twins.Share;
using TwinGuard.Twins.Uplink;

namespace TwinGuard.Server.Hosting.Sharing;

/// <summary>
/// This site's link to one peer: the shared <see cref="MqttUplink"/> (the edge's link to its site is one too) to the
/// peer's broker over mutual TLS (the peer's CA pinned, this site's certificate), draining the peer's outbox to
/// <c>peer/SITE/up</c>, the one topic the peer lets this site publish to (docs/sharing.md).
/// </summary>
internal sealed partial class PeerLink : IAsyncDisposable
{
    private readonly MqttUplink _uplink;

    public PeerLink(string siteId, DeviceModel peer, SharingSettings sharing, Outbox outbox, TimeProvider time, ILogger logger)
    {
        Peer = peer;
        Sharing = sharing;
        var broker = peer.Peer!.Broker!;
        var colon = broker.LastIndexOf(':');
        var (host, port) = (broker[..colon], int.Parse(broker.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture));
        _uplink = new MqttUplink(
            new MqttUplinkOptions(host, port, siteId, new ClientTls(peer.Peer.CaFile, sharing.CertificateFile, sharing.KeyFile), PeerTopics.Up(siteId))
            {
                KeepAlive = TimeSpan.FromSeconds(15),
                Timeout = TimeSpan.FromSeconds(10),
                RetryDelay = TimeSpan.FromSeconds(1),
            },
            outbox,
            time);
        _uplink.Linked += waiting => LogLinked(logger, peer.Id, broker, waiting);
        _uplink.ProblemRaised += problem => LogProblem(logger, peer.Id, problem);
    }

    /// <summary>The peer it sends to.</summary>
    public DeviceModel Peer { get; }

    /// <summary>This site's certificate and key it presents.</summary>
    public SharingSettings Sharing { get; }

    /// <summary>True while connected to the peer.</summary>
    public bool IsConnected => _uplink.IsConnected;

    /// <summary>The last problem, or null while all is well.</summary>
    public string? Problem => _uplink.Problem;

    public void Start() => _uplink.Start();

    public ValueTask DisposeAsync() => _uplink.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "Peers: linked to {Peer} at {Broker}; {Waiting} message(s) waiting")]
    private static partial void LogLinked(ILogger logger, string peer, string broker, long waiting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peers: {Peer}: {Problem} (retrying; messages are kept on disk meanwhile)")]
    private static partial void LogProblem(ILogger logger, string peer, string problem);
}

using System.Text;
using System.Text.Json;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Uplink;

namespace TwinGuard.Twins.Share;

/// <summary>
/// This site's side of sharing: signs every message with the site's peer key (<c>DATA/peering/key.pem</c>, Ed25519)
/// and queues it for each peer with a broker that <see cref="PeerPolicy"/> allows to receive it.
/// </summary>
/// <remarks>
/// Ids are <c>RUN-N</c> (the start time in milliseconds and a counter): a restart never reuses one, and a message
/// re-sent after a lost acknowledgement keeps its id, so the peer keeps it once. Messages a policy holds back are
/// counted in <see cref="Withheld"/>.
/// </remarks>
public sealed class PeerSender : IDisposable
{
    private readonly string _siteId;
    private readonly WitnessSigningKey _key;
    private readonly TimeProvider _time;
    private readonly string _directory;
    private readonly Lock _following = new();
    private volatile Dictionary<string, (DeviceModel Peer, Outbox Outbox)> _peers = new(StringComparer.Ordinal);
    private long _withheld;

    /// <summary>Opens the outboxes of the peers of <paramref name="plant"/> that name a broker, in <paramref name="directory"/>.</summary>
    public PeerSender(PlantModel plant, string directory, WitnessSigningKey key, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(plant);
        _siteId = plant.Site.Id;
        _key = key;
        _time = time;
        _directory = directory;
        Follow(plant);
    }

    /// <summary>The peers this site sends to, with their outboxes.</summary>
    public IEnumerable<(DeviceModel Peer, Outbox Outbox)> Peers => _peers.Values;

    /// <summary>
    /// Follows a reloaded plant model: a new peer with a broker gets its outbox, a peer still there is sent to under its
    /// new policy, a peer removed (or left without a broker) is sent nothing more. Its outbox stays on disk, and is
    /// returned for the caller to close once nothing drains it any more.
    /// </summary>
    /// <returns>The outboxes of the peers no longer sent to.</returns>
    public IReadOnlyList<Outbox> Follow(PlantModel plant)
    {
        ArgumentNullException.ThrowIfNull(plant);
        lock (_following)
        {
            var old = _peers;
            var next = new Dictionary<string, (DeviceModel Peer, Outbox Outbox)>(StringComparer.Ordinal);
            foreach (var peer in plant.Devices.Where(d => d.Peer?.Broker is not null))
            {
                next[peer.Id] = (peer, old.TryGetValue(peer.Id, out var kept) ? kept.Outbox : new Outbox(Path.Combine(_directory, "outbox"), peer.Id, plant.Sharing.OutboxBytes, _time));
            }

            _peers = next;
            return [.. old.Where(p => !next.ContainsKey(p.Key)).Select(p => p.Value.Outbox)];
        }
    }

    /// <summary>Messages the policy of a peer held back since start.</summary>
    public long Withheld => Interlocked.Read(ref _withheld);

    /// <summary>Shares an incident's summary (with the <paramref name="addresses"/> of its source) with every peer allowed incidents (with values only where allowed).</summary>
    /// <returns>How many peers it was queued for.</returns>
    public int ShareIncident(Incident incident, IReadOnlyList<string> addresses)
    {
        var queued = 0;
        foreach (var (peer, outbox) in _peers.Values)
        {
            if (PeerPolicy.Summary(_siteId, incident, addresses, peer.Peer!) is { } summary)
            {
                queued += Queue(peer, outbox, "incident", m => m with { Incident = summary }) ? 1 : 0;
            }
            else
            {
                Interlocked.Increment(ref _withheld);
            }
        }

        return queued;
    }

    /// <summary>Shares one MISP event (<c>{"Event": {...}}</c>) of indicators and sightings with every peer allowed indicators.</summary>
    /// <returns>How many peers it was queued for.</returns>
    public int ShareIndicators(JsonElement mispEvent) => ShareWith(PeerShare.Indicators, "indicators", m => m with { Misp = mispEvent.Clone() });

    /// <summary>The peers this site sends its ledger checkpoints to (those allowed <c>checkpoints</c>).</summary>
    public IEnumerable<DeviceModel> CheckpointPeers => _peers.Values.Select(p => p.Peer).Where(p => PeerPolicy.Allows(p.Peer!, PeerShare.Checkpoints));

    /// <summary>
    /// Sends <paramref name="peerId"/> an add-checkpoint request (c2sp.org/tlog-witness) for this site's ledger, made for
    /// that peer's last cosigned size, when its policy allows checkpoints.
    /// </summary>
    /// <returns>False when the peer is not sent to, not allowed checkpoints, or its outbox is full.</returns>
    public bool SendCheckpoint(string peerId, string request)
    {
        if (!_peers.TryGetValue(peerId, out var p))
        {
            return false;
        }

        if (!PeerPolicy.Allows(p.Peer.Peer!, PeerShare.Checkpoints))
        {
            Interlocked.Increment(ref _withheld);
            return false;
        }

        return Queue(p.Peer, p.Outbox, "checkpoint", m => m with { Checkpoint = request });
    }

    /// <summary>
    /// Sends back this site's answer to a checkpoint <paramref name="peerId"/> sent (always allowed: it is the peer's own
    /// checkpoint): the witness's status and body, with the checkpoint note it answers.
    /// </summary>
    /// <returns>False when this site does not send to the peer (no <c>broker:</c>) or its outbox is full.</returns>
    public bool SendCosignature(string peerId, string checkpoint, WitnessAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return _peers.TryGetValue(peerId, out var p)
               && Queue(p.Peer, p.Outbox, "cosignature", m => m with { Checkpoint = checkpoint, Cosignature = answer.Body, Status = answer.Status });
    }

    /// <summary>Signs <paramref name="message"/> into the envelope JSON that travels.</summary>
    public string Seal(PeerMessage message)
    {
        var text = JsonSerializer.Serialize(message, PeerJson.Default.PeerMessage);
        var signature = _key.SignMessage(Encoding.UTF8.GetBytes(text));
        return JsonSerializer.Serialize(new PeerEnvelope(text, Convert.ToBase64String(signature)), PeerJson.Default.PeerEnvelope);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, outbox) in _peers.Values)
        {
            outbox.Dispose();
        }
    }

    private int ShareWith(string share, string kind, Func<PeerMessage, PeerMessage> fill)
    {
        var queued = 0;
        foreach (var (peer, outbox) in _peers.Values)
        {
            if (PeerPolicy.Allows(peer.Peer!, share))
            {
                queued += Queue(peer, outbox, kind, fill) ? 1 : 0;
            }
            else
            {
                Interlocked.Increment(ref _withheld);
            }
        }

        return queued;
    }

    private bool Queue(DeviceModel peer, Outbox outbox, string kind, Func<PeerMessage, PeerMessage> fill)
    {
        return outbox.TryEnqueue(Seal(fill(new PeerMessage(outbox.NextId(), _siteId, peer.Id, kind, _time.GetUtcNow().ToUnixTimeMilliseconds()))));
    }
}

using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Inbox;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Share;

/// <summary>
/// The site's side of what its peers send: bounded (size, rate per peer, a queue of messages still to apply),
/// verified (the pinned Ed25519 key of the peer its certificate proved, addressed to this site), kept once by
/// <c>(peer, id)</c> in <c>peers.db</c> (<see cref="OnceInbox"/>, the newest <see cref="PeerInboxLimits.IdsPerPeer"/> per
/// peer) before the broker acknowledges, then applied in order by <see cref="RunAsync"/>.
/// </summary>
/// <remarks>
/// A refused message gets its reason in the PUBACK (MQTT 5.0 §3.4.2.2 reason string) and is counted by
/// <see cref="PeerRefusal"/>; a repeat (the sender re-sending after a lost PUBACK) is acknowledged and counted in
/// <see cref="Repeats"/>. Nothing a peer sends is trusted before its signature verifies.
/// </remarks>
public sealed class PeerInbox : IPeerReceiver, IDisposable
{
    private readonly string _siteId;
    private readonly PeerInboxLimits _limits;
    private readonly TimeProvider _time;
    private readonly OnceInbox _once;
    private readonly Lock _gate = new();
    private readonly Channel<(string Peer, PeerMessage Message)> _queue;
    private readonly ConcurrentDictionary<string, WitnessPublicKey> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (double Tokens, long Stamp)> _buckets = new(StringComparer.Ordinal);
    private readonly long[] _refused = new long[Enum.GetValues<PeerRefusal>().Length];
    private long _kept;
    private long _repeats;

    /// <summary>Opens <c>peers.db</c> in <paramref name="directory"/> for the site <paramref name="siteId"/>.</summary>
    public PeerInbox(string siteId, string directory, PeerInboxLimits limits, TimeProvider time)
    {
        _siteId = siteId;
        _limits = limits;
        _time = time;
        Directory.CreateDirectory(directory);
        _once = new OnceInbox(Path.Combine(directory, "peers.db"), "peer_messages", "peer", limits.IdsPerPeer, time);
        _queue = Channel.CreateBounded<(string, PeerMessage)>(new BoundedChannelOptions(limits.QueueLength) { SingleReader = true });
    }

    /// <summary>Applies a kept message (intel, incidents, cosignatures); called in arrival order by <see cref="RunAsync"/>.</summary>
    public Func<string, PeerMessage, CancellationToken, Task>? Apply { get; set; }

    /// <summary>The device of an id in the plant model in force (a reload applies from the next message); unset: as authenticated.</summary>
    public Func<string, DeviceModel?>? CurrentPeer { get; set; }

    /// <summary>Messages kept since start.</summary>
    public long Kept => Interlocked.Read(ref _kept);

    /// <summary>Repeats acknowledged without being kept again.</summary>
    public long Repeats => Interlocked.Read(ref _repeats);

    /// <summary>Kept messages evicted, the oldest of a peer past <see cref="PeerInboxLimits.IdsPerPeer"/>.</summary>
    public long Evicted => _once.Evicted;

    /// <summary>Messages waiting to be applied.</summary>
    public int Waiting => _queue.Reader.Count;

    /// <summary>Refusals since start, by reason.</summary>
    public IReadOnlyDictionary<PeerRefusal, long> Refused =>
        Enum.GetValues<PeerRefusal>().ToDictionary(r => r, r => Interlocked.Read(ref _refused[(int)r]));

    /// <inheritdoc />
    public Task<string?> ReceiveAsync(DeviceModel peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        // The peer as the model in force describes it: a reload may have rotated its key, changed its policy or removed it
        // while its connection, authenticated under the old model, stays open.
        if (CurrentPeer is { } find && find(peer.Id) is var current && !ReferenceEquals(current, peer))
        {
            if (current?.Peer is null)
            {
                return Task.FromResult<string?>($"'{peer.Id}' is no longer a peer of this site");
            }

            peer = current;
        }

        if (peer.Peer is not { } model)
        {
            return Task.FromResult<string?>($"'{peer.Id}' is not a peer of this site");
        }

        if (payload.Length > _limits.MaxMessageBytes)
        {
            return Refuse(PeerRefusal.Oversized, $"a peer message is at most {_limits.MaxMessageBytes} bytes, this one {payload.Length}");
        }

        if (!TakeToken(peer.Id))
        {
            return Refuse(PeerRefusal.RateLimited, $"peer '{peer.Id}' sends faster than {_limits.MessagesPerSecond}/s; try later");
        }

        if (_queue.Reader.Count >= _limits.QueueLength)
        {
            return Refuse(PeerRefusal.QueueFull, $"{_limits.QueueLength} peer messages are waiting to be applied; try later");
        }

        PeerEnvelope? envelope;
        byte[] signature;
        try
        {
            envelope = JsonSerializer.Deserialize(payload.Span, PeerJson.Default.PeerEnvelope);
            signature = envelope?.Signature is { } s ? Convert.FromBase64String(s) : [];
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return Refuse(PeerRefusal.Malformed, "not a peer envelope: " + EvidenceClip.Text(ex.Message));
        }

        if (envelope?.Message is not { } text)
        {
            return Refuse(PeerRefusal.Malformed, "not a peer envelope: no message");
        }

        var key = _keys.GetOrAdd(model.SigningKey, WitnessPublicKey.Parse);
        var signed = Encoding.UTF8.GetBytes(text);
        if (!key.VerifyMessage(signed, signature))
        {
            return Refuse(PeerRefusal.BadSignature, $"the signature does not verify with the key pinned for peer '{peer.Id}'");
        }

        PeerMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(signed, PeerJson.Default.PeerMessage);
        }
        catch (JsonException ex)
        {
            return Refuse(PeerRefusal.Malformed, "signed, but not a peer message: " + EvidenceClip.Text(ex.Message));
        }

        if (Problem(message) is { } problem)
        {
            return Refuse(PeerRefusal.Malformed, problem);
        }

        if (!string.Equals(message!.From, peer.Id, StringComparison.Ordinal))
        {
            return Refuse(PeerRefusal.WrongSender, $"message signed as from '{EvidenceClip.Text(message.From)}', but the certificate proved '{peer.Id}'");
        }

        if (!string.Equals(message.To, _siteId, StringComparison.Ordinal))
        {
            return Refuse(PeerRefusal.WrongRecipient, $"message signed for '{EvidenceClip.Text(message.To)}', not this site ('{_siteId}')");
        }

        lock (_gate)
        {
            if (!_once.TryKeep(peer.Id, message.Id, message.Kind, text))
            {
                Interlocked.Increment(ref _repeats);
                return Task.FromResult<string?>(null);
            }

            if (!_queue.Writer.TryWrite((peer.Id, message)))
            {
                // Full between the check and here: forget the row, so the peer's retry is kept then.
                _once.Forget(peer.Id, message.Id);
                return Refuse(PeerRefusal.QueueFull, $"{_limits.QueueLength} peer messages are waiting to be applied; try later");
            }
        }

        Interlocked.Increment(ref _kept);
        return Task.FromResult<string?>(null);
    }

    /// <summary>The messages of <paramref name="kind"/> kept from every peer (or one), oldest first.</summary>
    public IReadOnlyList<(string Peer, PeerMessage Message)> Messages(string kind, string? peer = null) =>
        [.. _once.Bodies(kind, peer).Select(m => (m.Sender, JsonSerializer.Deserialize(m.Body, PeerJson.Default.PeerMessage)!))];

    /// <summary>Applies kept messages, in order, until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var (peer, message) in _queue.Reader.ReadAllAsync(cancellationToken))
        {
            if (Apply is { } apply)
            {
                await apply(peer, message, cancellationToken);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _once.Dispose();
    }

    private static string? Problem(PeerMessage? message) => message switch
    {
        null => "signed, but not a peer message: null",
        { Id: null or { Length: 0 or > 64 } } => "a peer message needs an id of 1 to 64 characters",
        { From: null or { Length: 0 }, } or { To: null or { Length: 0 } } => "a peer message names its sender and recipient",
        { Kind: "indicators", Misp: { ValueKind: JsonValueKind.Object } } or { Kind: "incident", Incident: not null } or { Kind: "checkpoint", Checkpoint: not null }
            or { Kind: "cosignature", Cosignature: not null, Checkpoint: not null } => null,
        _ => $"peer message '{EvidenceClip.Text(message.Id)}' of kind '{EvidenceClip.Text(message.Kind)}' is of no known kind or lacks its part",
    };

    private Task<string?> Refuse(PeerRefusal reason, string text)
    {
        Interlocked.Increment(ref _refused[(int)reason]);
        return Task.FromResult<string?>(text);
    }

    private bool TakeToken(string peer)
    {
        var now = _time.GetTimestamp();
        lock (_buckets)
        {
            var (tokens, stamp) = _buckets.TryGetValue(peer, out var b) ? b : (_limits.Burst, now);
            tokens = Math.Min(_limits.Burst, tokens + (_time.GetElapsedTime(stamp, now).TotalSeconds * _limits.MessagesPerSecond));
            var ok = tokens >= 1;
            _buckets[peer] = (ok ? tokens - 1 : tokens, now);
            return ok;
        }
    }
}

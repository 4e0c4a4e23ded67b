using System.Globalization;
using System.Threading.Channels;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Notes;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Share;

/// <summary>
/// This site's ledger, witnessed by its peers: each new checkpoint goes to every peer allowed <c>checkpoints</c> as a
/// c2sp.org/tlog-witness add-checkpoint request (with the consistency proof from the size that peer last cosigned), and
/// each cosignature a peer sends back that verifies (its pinned key, over a checkpoint this ledger's key signed) is kept
/// in <c>cosignatures.tgw</c>, so <c>ledger verify --witness PEER.vkey</c> checks it offline.
/// </summary>
/// <remarks>
/// Requests are pipelined: the next one to a peer proves from the size of the last one sent (the peer's inbox answers
/// them in order), and a 409 answer (the peer's witness has another size) makes the next one prove from the peer's
/// size. Off the ledger's flusher: only the newest checkpoint not yet sent is kept. Bounded: per peer a few numbers,
/// and one line in <c>cosignatures.tgw</c> per checkpoint it cosigned beyond the previous one.
/// </remarks>
public sealed class PeerCheckpoints : IAsyncDisposable
{
    private const int MaxCosignatureLines = 16;
    private readonly LedgerWriter _ledger;
    private readonly CheckpointWitnessing _requests;
    private readonly PeerSender _sender;
    private readonly Channel<Checkpoint> _signed = Channel.CreateBounded<Checkpoint>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PeerState> _peers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    /// <summary>Sends the checkpoints of <paramref name="ledger"/> through <paramref name="sender"/> once started.</summary>
    public PeerCheckpoints(LedgerWriter ledger, PeerSender sender)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        _ledger = ledger;
        _sender = sender;
        _requests = new CheckpointWitnessing(ledger);
    }

    /// <summary>Called with a line for people when a peer does not cosign, or answers with something that does not verify.</summary>
    public event Action<string>? Problem;

    /// <summary>Per peer: cosignatures kept since start, answers refused or not verifying, and the newest tree size it cosigned.</summary>
    public IReadOnlyDictionary<string, (long Cosigned, long Refused, long TreeSize)> Counts
    {
        get
        {
            lock (_gate)
            {
                return _peers.ToDictionary(p => p.Key, p => (p.Value.Cosigned, p.Value.Refused, p.Value.Stored), StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Sends each checkpoint the ledger signs from now on (and the newest one now, if any).</summary>
    public void Start()
    {
        _ledger.CheckpointSigned += Offer;
        if (_ledger.LatestCheckpoint is { } latest)
        {
            Offer(latest);
        }

        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Takes a peer's answer to one of this site's checkpoints (a <c>cosignature</c> message).</summary>
    /// <returns>True when a verified cosignature was kept.</returns>
    public bool Receive(DeviceModel peer, PeerMessage message)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(message);
        var state = State(peer);
        var body = message.Cosignature ?? string.Empty;
        switch (message.Status ?? 200)
        {
            case 409 when long.TryParse(body.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var theirs):
                Checkpoint? again;
                lock (_gate)
                {
                    state.Next = theirs; // c2sp.org/tlog-witness: prove from the witness's size next time
                    // An idle ledger signs nothing new: send its newest checkpoint again from there, once per size.
                    again = _ledger.LatestCheckpoint is { } latest && latest.TreeSize > theirs && state.Resent < latest.TreeSize ? latest : null;
                    state.Resent = again?.TreeSize ?? state.Resent;
                }

                if (again is not null)
                {
                    Offer(again);
                }

                return false;
            case 200:
                break;
            case var status:
                return Refused(state, $"peer '{peer.Id}' did not cosign: {status} {EvidenceClip.Text(body.Trim())}");
        }

        SignedNote note;
        try
        {
            note = SignedNote.Parse(message.Checkpoint ?? string.Empty);
        }
        catch (FormatException ex)
        {
            return Refused(state, $"peer '{peer.Id}' answered about something that is not a checkpoint note: {ex.Message}");
        }

        // Only a checkpoint this ledger's key signed: a cosignature of anything else in cosignatures.tgw would make
        // `ledger verify --witness` fail, which a peer must not be able to cause.
        var key = _ledger.PublicKey;
        var lines = note.Text.Split('\n');
        if (!note.Signatures.Any(s => s.Name == key.Origin && s.KeyHash == key.KeyHash && key.VerifyNoteSignature(note.Text, s))
            || lines.Length < 4 || lines[0] != key.Origin || !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            return Refused(state, $"peer '{peer.Id}' sent a cosignature of a checkpoint this ledger did not sign");
        }

        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(MaxCosignatureLines))
        {
            NoteSignature signature;
            try
            {
                signature = SignedNote.ParseSignatureLine(line);
            }
            catch (FormatException)
            {
                continue; // not a signature line; the others may be
            }

            if (!state.Key.Verify(note.Text, signature, out _))
            {
                continue;
            }

            lock (_gate)
            {
                state.Cosigned++;
                if (size <= state.Stored)
                {
                    return false; // a repeat, or older than one kept: the newest one is what a verifier needs
                }

                CosignatureFile.Append(_ledger.Directory, size, [signature]);
                state.Stored = size;
                state.LastProblem = null;
                state.Next = Math.Max(state.Next, size);
            }

            return true;
        }

        return Refused(state, $"peer '{peer.Id}' answered checkpoint {size} without a valid cosignature of its key");
    }

    /// <inheritdoc />
    /// <remarks>Called by the service on stop and by the container on dispose: the second call does nothing.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _ledger.CheckpointSigned -= Offer;
        _signed.Writer.TryComplete();
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        await _requests.DisposeAsync();
        _stop.Dispose();
    }

    private void Offer(Checkpoint checkpoint) => _signed.Writer.TryWrite(checkpoint);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var checkpoint in _signed.Reader.ReadAllAsync(cancellationToken))
        {
            foreach (var peer in _sender.CheckpointPeers)
            {
                var state = State(peer);
                long old;
                lock (_gate)
                {
                    old = Math.Min(state.Next, checkpoint.TreeSize);
                    if (state.Sent >= checkpoint.TreeSize && state.Next >= checkpoint.TreeSize)
                    {
                        continue; // this size is on its way already (a checkpoint on close repeats the newest)
                    }
                }

                try
                {
                    if (_sender.SendCheckpoint(peer.Id, _requests.AddCheckpointRequest(checkpoint, old)))
                    {
                        lock (_gate)
                        {
                            state.Next = state.Sent = checkpoint.TreeSize;
                        }
                    }
                }
                catch (Exception ex) when (ex is IOException or InvalidDataException or InvalidOperationException or ArgumentException)
                {
                    Problem?.Invoke($"checkpoint {checkpoint.TreeSize}: no request for peer '{peer.Id}': {ex.Message}");
                }
            }
        }
    }

    private PeerState State(DeviceModel peer)
    {
        lock (_gate)
        {
            // A rotated message key is a new witness: what the old key cosigned says nothing about the new one.
            if (_peers.TryGetValue(peer.Id, out var state) && state.KeyText == peer.Peer!.SigningKey)
            {
                return state;
            }

            var key = WitnessPublicKey.Parse(peer.Peer!.SigningKey);
            var stored = CosignatureFile.Read(_ledger.Directory, out _).Where(c => key.Claims(c.Signature)).Select(c => c.TreeSize).DefaultIfEmpty(0).Max();
            return _peers[peer.Id] = new PeerState(peer.Peer.SigningKey, key) { Stored = stored, Next = stored };
        }
    }

    private bool Refused(PeerState state, string problem)
    {
        bool news;
        lock (_gate)
        {
            state.Refused++;
            news = !string.Equals(state.LastProblem, problem, StringComparison.Ordinal);
            state.LastProblem = problem;
        }

        if (news)
        {
            Problem?.Invoke(problem); // once per distinct answer: a peer refusing every checkpoint the same way is one line
        }

        return false;
    }

    private sealed class PeerState(string keyText, WitnessPublicKey key)
    {
        public string KeyText { get; } = keyText;

        public WitnessPublicKey Key { get; } = key;

        /// <summary>The size the next request proves from.</summary>
        public long Next { get; set; }

        /// <summary>The size of the last request sent.</summary>
        public long Sent { get; set; }

        /// <summary>The newest checkpoint sent again after a 409.</summary>
        public long Resent { get; set; }

        public string? LastProblem { get; set; }

        /// <summary>The newest size it cosigned whose cosignature is kept.</summary>
        public long Stored { get; set; }

        public long Cosigned { get; set; }

        public long Refused { get; set; }
    }
}

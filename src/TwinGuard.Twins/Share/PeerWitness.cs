using System.Globalization;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Share;

/// <summary>
/// This site as the witness of its peers' ledgers: one c2sp.org/tlog-witness <see cref="Witness"/> per peer that
/// declares <c>ledger_key:</c> (state in <c>DATA/peering/witness/ID/</c>: the last cosigned size and root of that one
/// log), signing with the site's peer key. A checkpoint that verifies with the peer's ledger key and is consistent with
/// the last one cosigned is cosigned and the cosignature recorded in this site's ledger; any other is refused, counted
/// and raised as <see cref="ReasonCode.CheckpointRefused"/> (<see cref="CheckpointCosigner"/>), forks kept in the
/// witness's <c>forks.jsonl</c>.
/// </summary>
/// <remarks>
/// Bounded: one log per peer declared in the plant model (a peer cannot make it witness another log: the witness knows
/// only the peer's own), a request is at most <see cref="Witness.MaxRequestBytes"/>, and requests are answered one at a
/// time in arrival order (the inbox applies them so). Follows reloads: a peer added gets its witness, a removed one or
/// one whose ledger key changed loses it (the state stays on disk; a new key is a new log, witnessed from its start).
/// </remarks>
public sealed class PeerWitness : IDisposable
{
    private readonly string _directory;
    private readonly WitnessSigningKey _key;
    private readonly EvidenceSink _evidence;
    private readonly LedgerRecorder? _ledger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _peers = new(StringComparer.Ordinal);
    private long _unwitnessed;

    /// <summary>A witness keeping state under <paramref name="directory"/>; <see cref="Follow"/> tells it the peers.</summary>
    /// <param name="directory">Where each peer's witness state goes (<c>ID/</c>).</param>
    /// <param name="key">The site's peer key: cosignatures verify with the key peers already pin for its messages.</param>
    /// <param name="evidence">Where refusals are raised as findings.</param>
    /// <param name="ledger">Where each cosignature made is recorded; null: nowhere (a test).</param>
    /// <param name="time">The clock of the cosignatures' timestamps.</param>
    public PeerWitness(string directory, WitnessSigningKey key, EvidenceSink evidence, LedgerRecorder? ledger, TimeProvider time)
    {
        _directory = directory;
        _key = key;
        _evidence = evidence;
        _ledger = ledger;
        _time = time;
    }

    /// <summary>Called with a line for people when a peer's witness state cannot be opened.</summary>
    public event Action<string>? Problem;

    /// <summary>Checkpoints of peers that declare no <c>ledger_key</c>, answered 404 without a finding (a configuration gap, not an attack).</summary>
    public long Unwitnessed => Interlocked.Read(ref _unwitnessed);

    /// <summary>Per peer witnessed: checkpoints cosigned and refused since start, and the newest tree size cosigned.</summary>
    public IReadOnlyDictionary<string, (long Cosigned, long Refused, long TreeSize)> Counts
    {
        get
        {
            lock (_gate)
            {
                return _peers.ToDictionary(p => p.Key, p => (p.Value.Cosigner.Cosigned, p.Value.Cosigner.Refused, p.Value.Witness.Latest(p.Value.Origin)?.TreeSize ?? 0),
                    StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Witnesses the peers of <paramref name="plant"/> that declare a ledger key, from now on (see the remarks).</summary>
    public void Follow(PlantModel plant)
    {
        ArgumentNullException.ThrowIfNull(plant);
        lock (_gate)
        {
            var wanted = plant.Devices.Where(d => d.Peer?.LedgerKey is not null).ToDictionary(d => d.Id, d => d.Peer!.LedgerKey!, StringComparer.Ordinal);
            foreach (var (id, entry) in _peers.Where(p => !wanted.TryGetValue(p.Key, out var key) || key != p.Value.LedgerKey).ToList())
            {
                _peers.Remove(id);
                entry.Witness.Dispose();
                entry.Log.Dispose();
            }

            foreach (var (id, ledgerKey) in wanted.Where(w => !_peers.ContainsKey(w.Key)))
            {
                try
                {
                    // The witness verifies with the key for as long as it runs: disposed with it, not before.
                    var log = LedgerPublicKey.FromVerifierKey(ledgerKey);
                    try
                    {
                        var witness = new Witness(_key, Path.Combine(_directory, id), [log], _time);
                        _peers[id] = new Entry(ledgerKey, log, witness, new CheckpointCosigner(witness, _evidence));
                    }
                    catch
                    {
                        log.Dispose();
                        throw;
                    }
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
                {
                    // A damaged state must not be forgotten (the witness refuses to start over it): this peer goes unwitnessed.
                    Problem?.Invoke($"peer '{id}': its ledger is not witnessed: {ex.Message}");
                }
            }
        }
    }

    /// <summary>Answers one add-checkpoint request of <paramref name="peer"/> as c2sp.org/tlog-witness does (200 and the cosignature line, 409 and its size, 4xx and why).</summary>
    public async Task<WitnessAnswer> CosignAsync(DeviceModel peer, string request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(request);
        Entry? entry;
        lock (_gate)
        {
            entry = _peers.GetValueOrDefault(peer.Id);
        }

        if (entry is null)
        {
            Interlocked.Increment(ref _unwitnessed);
            return new WitnessAnswer(404, $"this site witnesses no ledger of peer '{peer.Id}' (no 'ledger_key' in its 'peer:' entry)\n");
        }

        // Messages arrive in order, so a request ahead of the witness's size waits for nothing: answered 409 at once
        // rather than after the witness's wait for pipelined requests overtaken by others.
        if (OldSize(request) is { } old && entry.Witness.Latest(entry.Origin) is var latest && old > (latest?.TreeSize ?? 0))
        {
            return new WitnessAnswer(409, (latest?.TreeSize ?? 0).ToString(CultureInfo.InvariantCulture) + "\n", "text/x.tlog.size");
        }

        var answer = await entry.Cosigner.CosignAsync($"peer '{peer.Id}'", peer.Id, request, cancellationToken);
        if (answer.Status == 200 && _ledger is not null && entry.Witness.Latest(entry.Origin) is { } cosigned)
        {
            _ledger.RecordPeerCosignature(peer.Id, cosigned, answer.Body);
        }

        return answer;
    }

    /// <summary>The checkpoint note of an add-checkpoint request (what the cosignature signs), or null when it has none.</summary>
    public static string? Note(string request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var blank = request.IndexOf("\n\n", StringComparison.Ordinal);
        return blank < 0 ? null : request[(blank + 2)..];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _peers.Values)
            {
                entry.Witness.Dispose();
                entry.Log.Dispose();
            }

            _peers.Clear();
        }
    }

    // c2sp.org/tlog-witness: the first line is "old <size>"; anything else the witness refuses as malformed itself.
    private static long? OldSize(string request) =>
        request.StartsWith("old ", StringComparison.Ordinal) && request.IndexOf('\n', StringComparison.Ordinal) is var end and > 4
        && long.TryParse(request.AsSpan(4, end - 4), NumberStyles.None, CultureInfo.InvariantCulture, out var old) ? old : null;

    private sealed record Entry(string LedgerKey, LedgerPublicKey Log, Witness Witness, CheckpointCosigner Cosigner)
    {
        public string Origin => Log.Origin;
    }
}

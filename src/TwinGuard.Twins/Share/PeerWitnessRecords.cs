using System.Buffers.Binary;
using System.Text.Json;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Witnessing;

namespace TwinGuard.Twins.Share;

/// <summary>
/// What a site's data directory says, offline, about witnessing between it and its peers: who cosigned this site's
/// ledger and up to where (<c>ledger/cosignatures.tgw</c>), and what this site cosigned of each peer's ledger (its
/// <c>peer-cosignature</c> ledger entries) with the forks it refused (<c>peering/witness/ID/forks.jsonl</c>).
/// </summary>
/// <remarks>
/// Read without the keys: <c>ledger verify --witness</c> is what verifies the cosignatures of this site's ledger;
/// the peer-cosignature entries are as trustworthy as the ledger that holds them (<c>ledger verify</c>).
/// </remarks>
public static class PeerWitnessRecords
{
    private const int ReadChunk = 4096;

    /// <summary>The newest cosignature each witness made of this site's ledger.</summary>
    /// <param name="Witness">The witness's key name (a peer's is its message key's name).</param>
    /// <param name="KeyHash">The key hash of its signature lines, hex.</param>
    /// <param name="TreeSize">The newest size of this ledger it cosigned.</param>
    /// <param name="Root">This ledger's root at that size (hex), from its signed checkpoint; null when none of that size is kept.</param>
    /// <param name="Time">The cosignature's own timestamp (c2sp.org/tlog-cosignature), or null when it has none.</param>
    /// <param name="Cosignatures">Cosignatures of this witness kept.</param>
    public sealed record OurLedger(string Witness, string KeyHash, long TreeSize, string? Root, DateTimeOffset? Time, int Cosignatures);

    /// <summary>What this site last cosigned of one peer's ledger, and the forks it refused.</summary>
    /// <param name="Peer">The peer's site id.</param>
    /// <param name="Origin">Its log's origin, or null when nothing of it was cosigned yet.</param>
    /// <param name="TreeSize">The newest size cosigned (0: none).</param>
    /// <param name="Root">Its root at that size, hex, or null.</param>
    /// <param name="Time">When it was cosigned (the ledger entry's time), or null.</param>
    /// <param name="Cosignatures">Cosignatures of this peer's ledger recorded.</param>
    /// <param name="ForksRefused">Checkpoints refused as a rollback or a second root and kept in <c>forks.jsonl</c>.</param>
    public sealed record PeerLedger(string Peer, string? Origin, long TreeSize, string? Root, DateTimeOffset? Time, long Cosignatures, long ForksRefused);

    /// <summary>Who cosigned the ledger in <paramref name="ledgerDirectory"/>, newest size per witness, by name.</summary>
    public static IReadOnlyList<OurLedger> CosignersOf(string ledgerDirectory, out int malformed)
    {
        var cosignatures = CosignatureFile.Read(ledgerDirectory, out malformed);
        IReadOnlyList<Ledger.Checkpoints.Checkpoint> checkpoints = [];
        if (Directory.Exists(ledgerDirectory) && cosignatures.Count > 0)
        {
            using var reader = LedgerReader.Open(ledgerDirectory);
            checkpoints = reader.Checkpoints;
        }

        return [.. cosignatures.GroupBy(c => (c.Signature.Name, c.Signature.KeyHash)).OrderBy(g => g.Key.Name, StringComparer.Ordinal).Select(g =>
        {
            var (size, signature) = g.MaxBy(c => c.TreeSize);
            var root = checkpoints.LastOrDefault(c => c.TreeSize == size)?.RootHash;
            // cosignature/v1 (Ed25519): an 8-byte big-endian POSIX timestamp, then the 64-byte signature.
            DateTimeOffset? time = signature.Signature.Length == 72 && BinaryPrimitives.ReadUInt64BigEndian(signature.Signature) is var t and <= 253402300799
                ? DateTimeOffset.FromUnixTimeSeconds((long)t) : null;
            return new OurLedger(g.Key.Name, g.Key.KeyHash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture), size,
                root is null ? null : Convert.ToHexStringLower(root), time, g.Count());
        })];
    }

    /// <summary>
    /// What the site of <paramref name="dataDirectory"/> cosigned of each peer's ledger (its <c>peer-cosignature</c>
    /// entries) and the forks it refused, per peer with either.
    /// </summary>
    public static IReadOnlyList<PeerLedger> CosignedByThisSite(string dataDirectory)
    {
        var peers = new Dictionary<string, PeerLedger>(StringComparer.Ordinal);
        var ledgerDirectory = Path.Combine(dataDirectory, "ledger");
        if (Directory.Exists(ledgerDirectory))
        {
            using var reader = LedgerReader.Open(ledgerDirectory);
            var count = reader.CountEntries();
            for (var first = 0L; first < count; first += ReadChunk)
            {
                foreach (var entry in reader.ReadEntries(first, (int)Math.Min(ReadChunk, count - first)).Where(e => e.Kind == LedgerEntryKind.PeerCosignature))
                {
                    using var json = JsonDocument.Parse(entry.Payload);
                    var root = json.RootElement;
                    var peer = root.GetProperty("peer").GetString()!;
                    var known = peers.GetValueOrDefault(peer);
                    peers[peer] = new PeerLedger(peer, root.GetProperty("origin").GetString(), root.GetProperty("treeSize").GetInt64(),
                        Convert.ToHexStringLower(Convert.FromBase64String(root.GetProperty("root").GetString()!)), entry.Timestamp, (known?.Cosignatures ?? 0) + 1, 0);
                }
            }
        }

        var witnessDirectory = Path.Combine(dataDirectory, "peering", "witness");
        foreach (var directory in Directory.Exists(witnessDirectory) ? Directory.EnumerateDirectories(witnessDirectory) : [])
        {
            var peer = Path.GetFileName(directory);
            var forks = Path.Combine(directory, "forks.jsonl");
            var refused = File.Exists(forks) ? File.ReadLines(forks).LongCount(l => l.Length > 0) : 0;
            peers[peer] = (peers.GetValueOrDefault(peer) ?? new PeerLedger(peer, null, 0, null, null, 0, 0)) with { ForksRefused = refused };
        }

        return [.. peers.Values.OrderBy(p => p.Peer, StringComparer.Ordinal)];
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Merkle;
using TwinGuard.Ledger.Notes;
using TwinGuard.Ledger.Proofs;

namespace TwinGuard.Ledger.Witnessing;

/// <summary>
/// A transparency-log witness (c2sp.org/tlog-witness): cosigns a log's checkpoint only when a consistency proof links
/// it to the last checkpoint it cosigned for that log, and refuses and records anything else signed by the log
/// (a different root for the same size, a smaller tree, a proof that does not verify): evidence of a rewritten history.
/// </summary>
/// <remarks>
/// State lives in a directory: <c>logs/&lt;id&gt;.state</c> per log (origin, size, root in two alternating slots, made
/// durable before a cosignature leaves; see <see cref="WitnessStateFile"/>) and <c>forks.jsonl</c> (one JSON object per refused checkpoint, bounded).
/// Check-and-update is one critical section, as §add-checkpoint requires.
/// <para>
/// Group commit: the check-and-update runs against the newest state in memory, and the answer waits until a state at
/// least that new is durable. One writer at a time writes every log's newest state and syncs it; the requests that
/// arrived meanwhile share that sync. Nothing is answered from a state that is not on disk, so a crash loses only
/// cosignatures that never left. A client may therefore pipeline a log's checkpoints (each request's old size the
/// previous one's size): a request whose old size is ahead of the state waits up to <see cref="ReorderWait"/> for the
/// requests before it (at most <see cref="MaxWaitingPerLog"/> per log) before it is answered 409.
/// </para>
/// </remarks>
public sealed class Witness : IDisposable
{
    /// <summary>How long a request whose old size is ahead of the witness's state waits for the requests before it.</summary>
    public static readonly TimeSpan ReorderWait = TimeSpan.FromSeconds(1);

    /// <summary>Most requests of one log waiting for their turn; more are answered 409 at once.</summary>
    public const int MaxWaitingPerLog = 64;

    /// <summary>Largest add-checkpoint body accepted.</summary>
    public const int MaxRequestBytes = SignedNote.MaxBytes + (64 * 64);

    /// <summary>Most bytes kept in <c>forks.jsonl</c>; later refusals are counted, not stored.</summary>
    public const long MaxForkLogBytes = 16L * 1024 * 1024;

    private const int MaxProofLines = 63; // c2sp.org/tlog-witness: "MUST NOT send more than 63"
    private readonly WitnessSigningKey _key;
    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, LedgerPublicKey> _logs;
    private readonly Dictionary<string, WitnessedLog> _state = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WitnessStateFile> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource> _advanced = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WitnessedLog> _dirty = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flush = new(1, 1);
    private readonly Lock _gate = new();
    private long _forks;
    private long _ticket;
    private long _durableTicket;
    private long _syncs;

    /// <summary>A witness signing with <paramref name="key"/>, keeping state in <paramref name="directory"/>, for <paramref name="logs"/>.</summary>
    /// <exception cref="InvalidDataException">A state file is damaged (the witness refuses to start rather than forget).</exception>
    public Witness(WitnessSigningKey key, string directory, IEnumerable<LedgerPublicKey> logs, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(logs);
        _key = key;
        _directory = directory;
        _time = time;
        _logs = logs.ToDictionary(l => l.Origin, StringComparer.Ordinal);
        Directory.CreateDirectory(Path.Combine(directory, "logs"));
        foreach (var log in _logs.Keys)
        {
            _files[log] = WitnessStateFile.Open(StatePath(log), log, out var state);
            if (state is not null)
            {
                _state[log] = state;
            }
        }
    }

    /// <summary>The witness's public key.</summary>
    public WitnessPublicKey PublicKey => _key.PublicKey;

    /// <summary>Checkpoints refused as forks or rollbacks since start.</summary>
    public long ForksRecorded => Interlocked.Read(ref _forks);

    /// <summary>Groups of state writes made durable since start (each one sync per log written): fewer than cosignatures under load.</summary>
    public long StateSyncs => Interlocked.Read(ref _syncs);

    /// <summary>The file refused checkpoints are recorded in.</summary>
    public string ForkLog => Path.Combine(_directory, "forks.jsonl");

    /// <summary>The newest cosigned checkpoint of a log, or null.</summary>
    public WitnessedLog? Latest(string origin)
    {
        lock (_gate)
        {
            return _state.GetValueOrDefault(origin);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var file in _files.Values)
        {
            file.Dispose();
        }

        _flush.Dispose();
    }

    /// <summary>Handles one add-checkpoint request body (c2sp.org/tlog-witness §add-checkpoint), waiting for durability.</summary>
    public WitnessAnswer AddCheckpoint(string body) => AddCheckpointAsync(body, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Handles one add-checkpoint request body (c2sp.org/tlog-witness §add-checkpoint).</summary>
    /// <exception cref="IOException">The state could not be made durable; nothing was cosigned.</exception>
    public async Task<WitnessAnswer> AddCheckpointAsync(string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body.Length > MaxRequestBytes)
        {
            return new WitnessAnswer(400, $"request larger than {MaxRequestBytes} bytes\n");
        }

        if (!TryParseRequest(body, out var oldSize, out var proof, out var note, out var error))
        {
            return new WitnessAnswer(400, error + "\n");
        }

        var lines = note!.Text.Split('\n');
        if (lines.Length < 4 || !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                             || (lines[1].Length > 1 && lines[1][0] == '0') || !TryRoot(lines[2], out var root))
        {
            return new WitnessAnswer(400, "the note is not a checkpoint (origin, tree size, base64 root hash)\n");
        }

        var origin = lines[0];
        if (!_logs.TryGetValue(origin, out var logKey))
        {
            return new WitnessAnswer(404, $"unknown log {origin}\n");
        }

        // Unknown keys are ignored; a known key whose line does not verify rejects the note (c2sp.org/signed-note).
        var known = note.Signatures.Where(s => s.Name == logKey.Origin && s.KeyHash == logKey.KeyHash).ToList();
        if (known.Count == 0 || !known.All(s => logKey.VerifyNoteSignature(note.Text, s)))
        {
            return new WitnessAnswer(403, "no valid signature of the log's key on the checkpoint\n");
        }

        if (oldSize > size)
        {
            return new WitnessAnswer(400, $"old size {oldSize} is larger than the checkpoint's {size}\n");
        }

        long ticket;
        var waited = false;
        while (true)
        {
            Task turn;
            lock (_gate)
            {
                var latest = _state.GetValueOrDefault(origin) ?? new WitnessedLog(origin, 0, MerkleHash.EmptyRoot());
                if (size < latest.TreeSize)
                {
                    const string rollback = "rollback: the log signed a smaller tree than one this witness cosigned";
                    RecordFork(latest, size, root, note, rollback);
                    return SizeConflict(latest) with { Fork = rollback };
                }

                if (size == latest.TreeSize && latest.TreeSize > 0 && !CryptographicOperations.FixedTimeEquals(root, latest.RootHash))
                {
                    const string fork = "fork: the log signed two different roots for the same tree size";
                    RecordFork(latest, size, root, note, fork);
                    return SizeConflict(latest) with { Fork = fork };
                }

                if (oldSize == latest.TreeSize)
                {
                    if (oldSize == 0 ? proof.Count != 0 : !ConsistencyProof.Verify(oldSize, size, latest.RootHash, root, proof))
                    {
                        RecordFork(latest, size, root, note, "inconsistent: the consistency proof from the cosigned tree does not verify");
                        return new WitnessAnswer(422, "the consistency proof does not verify\n");
                    }

                    // Newest in memory at once (the next pipelined request checks against it); answered once durable.
                    var next = new WitnessedLog(origin, size, root);
                    _state[origin] = next;
                    _dirty[origin] = next;
                    ticket = ++_ticket;
                    if (_advanced.Remove(origin, out var advanced))
                    {
                        advanced.TrySetResult();
                    }

                    break;
                }

                // Behind: the client's old size is not the witness's. Ahead: perhaps a pipelined request overtook the
                // one before it; give that one a moment, a bounded number of times.
                if (oldSize < latest.TreeSize || waited || _waiting.GetValueOrDefault(origin) >= MaxWaitingPerLog)
                {
                    return SizeConflict(latest);
                }

                if (!_advanced.TryGetValue(origin, out var signal))
                {
                    _advanced[origin] = signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                _waiting[origin] = _waiting.GetValueOrDefault(origin) + 1;
                turn = signal.Task;
            }

            try
            {
                // Progress wakes it (checked again above); a wait without progress leaves the state as it is: 409.
                waited = !await WaitQuietlyAsync(turn, ReorderWait, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lock (_gate)
                {
                    _waiting[origin]--;
                }
            }
        }

        await MakeDurableAsync(ticket, cancellationToken).ConfigureAwait(false);
        var cosignature = _key.Cosign(note.Text, (ulong)_time.GetUtcNow().ToUnixTimeSeconds());
        return new WitnessAnswer(200, cosignature.ToLine());
    }

    private static WitnessAnswer SizeConflict(WitnessedLog latest) =>
        new(409, latest.TreeSize.ToString(CultureInfo.InvariantCulture) + "\n", "text/x.tlog.size");

    private static bool TryParseRequest(string body, out long oldSize, out List<byte[]> proof, out SignedNote? note, out string error)
    {
        oldSize = 0;
        proof = [];
        note = null;
        var blank = body.IndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0)
        {
            error = "a request is an old size line, proof lines, a blank line and a checkpoint";
            return false;
        }

        var head = body[..blank].Split('\n');
        if (!head[0].StartsWith("old ", StringComparison.Ordinal)
            || !long.TryParse(head[0].AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out oldSize))
        {
            error = "the first line must be \"old <size>\"";
            return false;
        }

        if (head.Length - 1 > MaxProofLines)
        {
            error = $"more than {MaxProofLines} consistency proof lines";
            return false;
        }

        foreach (var line in head.Skip(1))
        {
            if (!TryRoot(line, out var hash))
            {
                error = "a consistency proof line is not a base64 SHA-256 hash";
                return false;
            }

            proof.Add(hash);
        }

        try
        {
            note = SignedNote.Parse(body[(blank + 2)..]);
        }
        catch (FormatException ex)
        {
            error = "the checkpoint is not a signed note: " + ex.Message;
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static bool TryRoot(string text, out byte[] hash)
    {
        hash = new byte[MerkleHash.Size];
        return Convert.TryFromBase64String(text, hash, out var n) && n == MerkleHash.Size;
    }

    private string StatePath(string origin) =>
        Path.Combine(_directory, "logs", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(origin)))[..32] + ".state");

    /// <summary>True when <paramref name="task"/> completed within <paramref name="timeout"/>.</summary>
    private static async Task<bool> WaitQuietlyAsync(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Returns once every state update up to <paramref name="ticket"/> is durable: the first waiter writes and syncs the
    /// newest state of every log changed so far, for all the waiters behind it (group commit).
    /// </summary>
    private async Task MakeDurableAsync(long ticket, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _durableTicket) >= ticket)
        {
            return;
        }

        await _flush.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _durableTicket) >= ticket)
            {
                return;
            }

            List<WitnessedLog> batch;
            long upTo;
            lock (_gate)
            {
                batch = [.. _dirty.Values];
                _dirty.Clear();
                upTo = _ticket;
            }

            try
            {
                foreach (var state in batch)
                {
                    _files[state.Origin].Write(state);
                }
            }
            catch
            {
                lock (_gate)
                {
                    foreach (var state in batch)
                    {
                        _dirty.TryAdd(state.Origin, state); // a newer one, if any, already waits; else this one again
                    }
                }

                throw;
            }

            Interlocked.Increment(ref _syncs);
            Volatile.Write(ref _durableTicket, upTo);
        }
        finally
        {
            _flush.Release();
        }
    }

    private void RecordFork(WitnessedLog latest, long size, byte[] root, SignedNote note, string reason)
    {
        Interlocked.Increment(ref _forks);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", _time.GetUtcNow());
            json.WriteString("origin", latest.Origin);
            json.WriteString("reason", reason);
            json.WriteNumber("cosignedSize", latest.TreeSize);
            json.WriteString("cosignedRoot", Convert.ToBase64String(latest.RootHash));
            json.WriteNumber("size", size);
            json.WriteString("root", Convert.ToBase64String(root));
            json.WriteString("checkpoint", note.ToString());
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        var info = new FileInfo(ForkLog);
        if ((info.Exists ? info.Length : 0) + buffer.Length > MaxForkLogBytes)
        {
            return; // counted in ForksRecorded; the first ones, which matter most, are kept
        }

        using var stream = new FileStream(ForkLog, FileMode.Append, FileAccess.Write);
        stream.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        stream.Flush(flushToDisk: true);
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Notes;
using TwinGuard.Ledger.Proofs;
using TwinGuard.Ledger.Storage;

namespace TwinGuard.Ledger.Witnessing;

/// <summary>
/// Sends each new checkpoint of a ledger to its witnesses with a consistency proof (c2sp.org/tlog-witness
/// add-checkpoint) and keeps their cosignatures in <c>cosignatures.tgw</c>.
/// </summary>
/// <remarks>
/// Off the append path: the writer only hands over the newest checkpoint (older ones waiting are skipped, a witness
/// needs only the newest), and a background task talks to the witnesses. A witness that is down or refuses is
/// reported through <see cref="Problem"/> and tried again with the next checkpoint.
/// </remarks>
public sealed class CheckpointWitnessing : IAsyncDisposable
{
    private const int MaxStates = 4096;
    private readonly LedgerWriter _ledger;
    private readonly Merkle.SubtreeCache _cache;
    private readonly IReadOnlyList<WitnessEndpoint> _witnesses;
    private readonly HttpClient? _http;
    private readonly Dictionary<WitnessEndpoint, long> _witnessedSize = [];
    private readonly Dictionary<long, TreeState> _states = [];
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private (Checkpoint Checkpoint, TreeState State)? _pending;
    private Task _loop = Task.CompletedTask;
    private long _cosigned;
    private bool _started;

    /// <summary>
    /// Witnessing for <paramref name="ledger"/>: from now on it keeps the tree's right edge at each checkpoint (for cheap
    /// proofs); call <see cref="Start"/> to send each new checkpoint to the witnesses.
    /// </summary>
    public CheckpointWitnessing(LedgerWriter ledger, IReadOnlyList<WitnessEndpoint> witnesses, HttpClient? http)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(witnesses);
        _ledger = ledger;
        _witnesses = witnesses;
        _http = witnesses.Count == 0 || http is not null ? http : throw new ArgumentNullException(nameof(http), "witnesses reached over HTTP need a client");
        foreach (var (size, signature) in CosignatureFile.Read(ledger.Directory, out _))
        {
            foreach (var witness in witnesses.Where(w => w.Key.Claims(signature)))
            {
                _witnessedSize[witness] = Math.Max(_witnessedSize.GetValueOrDefault(witness), size);
            }
        }

        _cache = ledger.CaptureSubtrees();
        _ledger.CheckpointStateSigned += OnSigned;
    }

    /// <summary>
    /// Only builds add-checkpoint requests (<see cref="AddCheckpointRequest"/>) for witnesses reached another way than
    /// HTTP (a site over MQTT, peer sites over their signed messages); <see cref="Start"/> sends nothing.
    /// </summary>
    public CheckpointWitnessing(LedgerWriter ledger)
        : this(ledger, [], null)
    {
    }

    /// <summary>Called with a line for people when a witness cannot be reached or refuses a checkpoint.</summary>
    public event Action<string>? Problem;

    /// <summary>Cosignatures received and stored since start.</summary>
    public long Cosigned => Interlocked.Read(ref _cosigned);

    /// <summary>Follows the ledger's checkpoints from now on.</summary>
    public void Start()
    {
        _started = true;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// The c2sp.org/tlog-witness add-checkpoint request body for <paramref name="checkpoint"/> from a witness that last
    /// cosigned <paramref name="oldSize"/> entries: <c>old N</c>, the consistency proof, a blank line, the signed note.
    /// </summary>
    /// <exception cref="InvalidOperationException">The checkpoint is a version 1 checkpoint, which is not a signed note.</exception>
    public string AddCheckpointRequest(Checkpoint checkpoint, long oldSize)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var note = _ledger.PublicKey.ToNote(checkpoint) ?? throw new InvalidOperationException("a version 1 checkpoint is not a signed note");
        return Request(checkpoint, note, oldSize);
    }

    /// <summary>Sends <paramref name="checkpoint"/> to every witness now; returns how many cosigned it.</summary>
    public async Task<int> WitnessAsync(Checkpoint checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        TreeState? state;
        lock (_gate)
        {
            state = _states.GetValueOrDefault(checkpoint.TreeSize);
        }

        return await WitnessAsync(checkpoint, state, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _ledger.CheckpointStateSigned -= OnSigned;
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        _stop.Dispose();
        _signal.Dispose();
    }

    private void OnSigned(Checkpoint checkpoint, TreeState state)
    {
        lock (_gate)
        {
            _states[checkpoint.TreeSize] = state;
            if (_states.Count > MaxStates)
            {
                _states.Remove(_states.Keys.Min()); // bounded: a witness that far behind gets a proof read from the log
            }

            if (!_started)
            {
                return;
            }

            _pending = (checkpoint, state);
        }

        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // already signalled: the loop takes the newest pending checkpoint
        }
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
            (Checkpoint Checkpoint, TreeState State)? next;
            lock (_gate)
            {
                next = _pending;
                _pending = null;
            }

            if (next is { } work)
            {
                await WitnessAsync(work.Checkpoint, work.State, _stop.Token).ConfigureAwait(false);
            }
        }
    }

    private async Task<int> WitnessAsync(Checkpoint checkpoint, TreeState? state, CancellationToken cancellationToken)
    {
        var key = _ledger.PublicKey;
        var note = key.ToNote(checkpoint);
        if (note is null)
        {
            return 0; // a version 1 checkpoint is not a signed note
        }

        var cosignatures = new List<NoteSignature>();
        foreach (var witness in _witnesses)
        {
            try
            {
                if (await AskAsync(witness, checkpoint, note, cancellationToken).ConfigureAwait(false) is { } cosignature)
                {
                    cosignatures.Add(cosignature);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidDataException or FormatException or TaskCanceledException
                                           && !cancellationToken.IsCancellationRequested)
            {
                Problem?.Invoke($"witness {witness.Key.Name} at {witness.SubmissionPrefix}: {ex.Message}");
            }
        }

        if (cosignatures.Count > 0)
        {
            CosignatureFile.Append(_ledger.Directory, checkpoint.TreeSize, cosignatures);
            Interlocked.Add(ref _cosigned, cosignatures.Count);
        }

        lock (_gate)
        {
            // Only the right edges of checkpoints a witness may still start from are worth keeping.
            var oldest = _witnessedSize.Count == 0 ? 0 : _witnessedSize.Values.Min();
            foreach (var size in _states.Keys.Where(s => s < oldest && s != checkpoint.TreeSize).ToList())
            {
                _states.Remove(size);
            }

            _cache.ForgetBefore(oldest);
        }

        return cosignatures.Count;
    }

    private async Task<NoteSignature?> AskAsync(WitnessEndpoint witness, Checkpoint checkpoint, SignedNote note, CancellationToken cancellationToken)
    {
        var old = _witnessedSize.GetValueOrDefault(witness);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (old > checkpoint.TreeSize)
            {
                Problem?.Invoke($"witness {witness.Key.Name} has cosigned {old} entries of this log, more than checkpoint {checkpoint.TreeSize}: "
                                + "the witness saw another history of this log");
                return null;
            }

            using var content = new StringContent(Request(checkpoint, note, old), Encoding.UTF8, "text/plain");
            using var response = await _http!.PostAsync(new Uri(witness.SubmissionPrefix.ToString().TrimEnd('/') + "/add-checkpoint"), content,
                cancellationToken).ConfigureAwait(false);
            var answer = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Conflict
                && long.TryParse(answer.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var theirs) && theirs != old)
            {
                old = theirs; // c2sp.org/tlog-witness: 409 carries the witness's size; prove from there
                continue;
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                Problem?.Invoke($"witness {witness.Key.Name} refused checkpoint {checkpoint.TreeSize}: {(int)response.StatusCode} {Shorten(answer)}");
                return null;
            }

            foreach (var line in answer.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(16))
            {
                var signature = SignedNote.ParseSignatureLine(line);
                if (witness.Key.Verify(note.Text, signature, out _))
                {
                    _witnessedSize[witness] = checkpoint.TreeSize;
                    return signature;
                }
            }

            Problem?.Invoke($"witness {witness.Key.Name} answered without a valid cosignature of its key");
            return null;
        }

        return null;
    }

    private string Request(Checkpoint checkpoint, SignedNote note, long old)
    {
        var body = new StringBuilder("old ").Append(old.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var hash in Proof(old, checkpoint.TreeSize).Path)
        {
            body.Append(Convert.ToBase64String(hash)).Append('\n');
        }

        return body.Append('\n').Append(note).ToString();
    }

    private ConsistencyProof Proof(long old, long size)
    {
        if (old == 0 || old == size)
        {
            return new ConsistencyProof(old, size, []);
        }

        TreeState? from;
        TreeState? to;
        lock (_gate)
        {
            from = _states.GetValueOrDefault(old);
            to = _states.GetValueOrDefault(size);
        }

        using var reader = LedgerReader.ForProofs(_ledger.Directory);
        return from is null ? reader.ProveConsistency(old, size)
            : to is null ? reader.ProveConsistency(from, size)
            : reader.ProveConsistency(from, to, _cache);
    }

    private static string Shorten(string text)
    {
        var line = text.Trim();
        return line.Length > 200 ? line[..200] : line;
    }
}

using System.Threading.Channels;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Record;

/// <summary>
/// The record stage: keeps what the earlier stages decided. Every finding, incident, escalation and closure goes into
/// the ledger at once (an append only copies into the ledger's current batch) and into the <see cref="PlantStore"/> in
/// one transaction per batch, together with the refusals queued in the <see cref="EvidenceSink"/>.
/// </summary>
/// <remarks>
/// The correlate stage calls the recording methods on its own loop and ends each batch with <see cref="CommitAsync"/>;
/// a writer loop (<see cref="RunAsync"/>) inserts the rows, so no earlier stage waits for the store (ids are reserved ahead, a block at a time). Nothing here
/// decides anything: correlation is the correlate stage's; ids come from the store.
/// </remarks>
public sealed class RecordStage
{
    private const int MaxRefusalsPerTransaction = 2000;

    /// <summary>
    /// Ids reserved per trip to the store: one trip per 64 findings, off the correlate loop. Ids reserved and not used
    /// when the process stops are never used (a gap in the numbering, never a reuse).
    /// </summary>
    private const int IdBlock = 64;
    private readonly EvidenceSink _evidence;
    private readonly IRecordStore _store;
    private readonly ReservedIds _findingIds;
    private readonly ReservedIds _incidentIds;
    private readonly LedgerRecorder _ledger;
    private readonly Channel<List<Action<IRecordBatch>>> _batches = Channel.CreateBounded<List<Action<IRecordBatch>>>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
    private List<Action<IRecordBatch>> _writes = [];
    private long _writeFailures;
    private int _lostRefusals;

    /// <summary>Creates the stage over the site database and the ledger.</summary>
    public RecordStage(EvidenceSink evidence, IRecordStore store, LedgerRecorder ledger)
    {
        (_evidence, _store, _ledger) = (evidence, store, ledger);
        (_findingIds, _incidentIds) = (new ReservedIds(store, "findings", IdBlock), new ReservedIds(store, "incidents", IdBlock));
    }

    /// <summary>
    /// The id of the next finding: reserved from the store (<see cref="IRecordStore.ReserveIds"/>) <see cref="IdBlock"/> at
    /// a time, the next block ahead, off the caller's thread (<see cref="ReservedIds"/>).
    /// </summary>
    public long NextFindingId() => _findingIds.Next();

    /// <summary>The id of the next incident, reserved from the store like <see cref="NextFindingId"/>'s.</summary>
    public long NextIncidentId() => _incidentIds.Next();

    /// <summary>SQLite transactions that failed (disk full, I/O error); their rows are in the ledger only.</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    /// <summary>Raised on the writer loop when a transaction fails, with the error and how many refusals it lost.</summary>
    public event Action<Exception, int>? WriteFailed;

    /// <summary>Records an admitted finding under <paramref name="id"/>; returns its ledger entry.</summary>
    public long Finding(long id, Finding finding)
    {
        var entry = _ledger.RecordFinding(id, finding);
        _writes.Add(b => b.Insert(finding, id, entry));
        return entry;
    }

    /// <summary>Adds folded repeats to a stored finding.</summary>
    public void AddOccurrences(long findingId, int count, DateTimeOffset last) => _writes.Add(b => b.AddOccurrences(findingId, count, last));

    /// <summary>Records an incident opening over <paramref name="findingIds"/> in the ledger; returns its entry.</summary>
    public long Incident(Incident incident, IReadOnlyList<long> findingIds) => _ledger.RecordIncident(incident, findingIds);

    /// <summary>Records a later stage attached to an open incident in the ledger; returns its entry.</summary>
    public long Stage(Incident incident, IncidentStage stage, IReadOnlyList<long> findingIds) => _ledger.RecordStage(incident.Id, stage, findingIds);

    /// <summary>Stores a later stage of an open incident (its ledger entry from <see cref="Stage"/>): the findings join the incident.</summary>
    public void AttachStage(Incident incident, IncidentStage stage, IReadOnlyList<long> findingIds, long ledgerEntry) =>
        _writes.Add(b => b.AttachStage(incident.Id, stage, findingIds, ledgerEntry));

    /// <summary>
    /// Records (ledger) and stores a later recurrence folded into an existing stage: the stage's occurrences and last
    /// seen time, its findings now the incident's. Returns the ledger entry.
    /// </summary>
    public long RepeatStage(long incidentId, IncidentStage stage, IReadOnlyList<long> findingIds)
    {
        var entry = _ledger.RecordStage(incidentId, stage, findingIds);
        _writes.Add(b => b.RepeatStage(incidentId, stage, findingIds));
        return entry;
    }

    /// <summary>Stores an opened incident (its ledger entry from <see cref="Incident(Correlate.Incident, IReadOnlyList{long})"/>).</summary>
    public void OpenIncident(Incident incident, IReadOnlyList<long> findingIds, long ledgerEntry) =>
        _writes.Add(b => b.OpenIncident(incident, findingIds, ledgerEntry));

    /// <summary>Stores a finding joining an open incident.</summary>
    public void JoinIncident(long incidentId, long findingId, Finding finding) => _writes.Add(b => b.JoinIncident(incidentId, findingId, finding));

    /// <summary>Records an escalation in the ledger; returns its entry.</summary>
    public long Escalation(Incident escalated, long findingId, DateTimeOffset time) => _ledger.RecordEscalation(escalated, findingId, time);

    /// <summary>Stores an incident's new severity and reasons.</summary>
    public void UpdateIncident(Incident incident, DateTimeOffset updated) => _writes.Add(b => b.UpdateIncident(incident, updated));

    /// <summary>Stores an incident's closure.</summary>
    public void CloseIncident(long incidentId, DateTimeOffset time, string status) => _writes.Add(b => b.CloseIncident(incidentId, time, status));

    /// <summary>Hands the rows recorded since the last call to the writer loop (waits only when 64 batches are queued).</summary>
    public ValueTask CommitAsync() => _batches.Writer.WriteAsync(TakeWrites(), CancellationToken.None);

    /// <summary>No more batches will come; <see cref="RunAsync"/> finishes once it has written them and the refusals.</summary>
    public void Complete() => _batches.Writer.TryComplete();

    /// <summary>Writes the committed batches and the sink's refusals until both are complete.</summary>
    public async Task RunAsync()
    {
        var batches = _batches.Reader;
        var refusals = _evidence.Refusals;
        var (moreBatches, moreRefusals) = (true, true);
        while (moreBatches || moreRefusals)
        {
            // Both are bounded channels, which allow several waiting readers: an abandoned wait is harmless.
            var batch = moreBatches ? batches.WaitToReadAsync().AsTask() : null;
            var refusal = moreRefusals ? refusals.WaitToReadAsync().AsTask() : null;
            Task waiting = batch is null ? refusal! : refusal is null ? batch : Task.WhenAny(batch, refusal);
            await waiting;
            moreBatches &= batch is not { IsCompletedSuccessfully: true, Result: false };
            moreRefusals &= refusal is not { IsCompletedSuccessfully: true, Result: false };
            var writes = batches.TryRead(out var decided) ? decided : [];
            try
            {
                Write(writes);
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or InvalidOperationException or TimeoutException)
            {
                // Never silent and never the end of the loop: the rows of this transaction stay in the ledger (written
                // before they were queued here), the failure is counted and reported, and the next batch tries again.
                Interlocked.Increment(ref _writeFailures);
                _evidence.Metrics.CountRefusalsNotStored(_lostRefusals);
                WriteFailed?.Invoke(ex, _lostRefusals);
            }
        }
    }

    /// <summary>Writes what is recorded and queued now, on the caller's thread (when <see cref="RunAsync"/> is not running).</summary>
    /// <returns>How many refusals it stored.</returns>
    public int WriteNow() => Write(TakeWrites());

    private List<Action<IRecordBatch>> TakeWrites()
    {
        var writes = _writes;
        _writes = [];
        return writes;
    }

    /// <summary>The refusals queued now and the rows of one decided batch, in one transaction.</summary>
    private int Write(List<Action<IRecordBatch>> writes)
    {
        var refusals = 0;
        _lostRefusals = 0;
        using var batch = _store.BeginBatch();
        while (refusals < MaxRefusalsPerTransaction && _evidence.Refusals.TryRead(out var refusal))
        {
            _lostRefusals = refusals + 1; // taken from the queue: lost with the transaction if it fails
            batch.Insert(refusal);
            refusals++;
        }

        foreach (var write in writes)
        {
            write(batch);
        }

        batch.Commit();
        return refusals;
    }
}

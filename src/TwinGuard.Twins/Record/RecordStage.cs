using System.Collections.Concurrent;
using System.Threading.Channels;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Record;

/// <summary>
/// The single consumer of <see cref="EvidenceSink"/>: folds repeated findings, correlates them into incidents and
/// writes findings, incidents and refusals to the <see cref="PlantStore"/> in batched transactions.
/// </summary>
/// <remarks>
/// <para>Folding: the same reason on the same asset, signal and device within <see cref="FoldWindow"/> becomes one stored
/// finding whose occurrence count grows, so a flood of refusals becomes one finding that says how many, not a
/// million rows of findings (the refusals themselves are all kept, up to the sink's bound).</para>
/// <para>Deciding and writing are separate. The deciding loop folds, numbers, records in the ledger, correlates and
/// announces each finding (<see cref="FindingStored"/>, <see cref="IncidentOpened"/>, <see cref="IncidentEscalated"/>)
/// without touching SQLite, so containment never waits for the database; the rows it decided go, batch by batch, to a
/// writer loop that inserts them (and the refusals) in one transaction per batch. The stage numbers findings and incidents itself (it is the
/// only writer of both tables), so an announced id is the id the row will have.</para>
/// </remarks>
public sealed class RecordStage
{
    /// <summary>Repeats within this interval fold into one finding.</summary>
    public static readonly TimeSpan FoldWindow = TimeSpan.FromSeconds(10);

    private const int MaxBatch = 2000;
    private readonly EvidenceSink _evidence;
    private readonly PlantStore _store;
    private readonly IncidentCorrelator _correlator;
    private readonly LedgerRecorder _ledger;
    private readonly Dictionary<(ReasonCode Reason, string? Asset, string? Signal, string? Device), (long Id, DateTimeOffset Last, int Pending, DateTimeOffset Presented)> _folds = [];
    private readonly Dictionary<long, long> _incidentOf = [];
    private readonly Dictionary<long, (long Entry, DateTimeOffset Time)> _entries = [];
    private readonly ConcurrentQueue<(long IncidentId, DateTimeOffset Time, string Status)> _closing = new();
    private readonly Channel<List<Action>> _batches = Channel.CreateBounded<List<Action>>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
    private List<Action> _writes = [];
    private long _lastFindingId;
    private long _lastIncidentId;

    /// <summary>Creates the stage; numbering continues after the rows already in <paramref name="store"/>.</summary>
    public RecordStage(EvidenceSink evidence, PlantStore store, IncidentCorrelator correlator, LedgerRecorder ledger)
    {
        (_evidence, _store, _correlator, _ledger) = (evidence, store, correlator, ledger);
        _lastFindingId = store.LastId("findings");
        _lastIncidentId = store.LastId("incidents");
    }

    /// <summary>Raised (on the deciding loop) when a new finding is admitted, with its id; its row is written shortly after.</summary>
    public event Action<long, Finding>? FindingStored;

    /// <summary>Raised (on the deciding loop) when an incident opens, before its row is written.</summary>
    /// <remarks>The incident carries the highest severity and the distinct reasons of all the findings it opens over.</remarks>
    public event Action<Incident>? IncidentOpened;

    /// <summary>
    /// Raised (on the deciding loop, before the row is updated) when a finding joining an open incident raises its
    /// severity or adds a reason: the incident as it stands now, same id.
    /// </summary>
    public event Action<Incident>? IncidentEscalated;

    /// <summary>
    /// Closes an open incident (thread-safe; applied with the next batch): later findings in its scope open a new incident.
    /// The respond stage calls it when the incident's containment is released.
    /// </summary>
    public void CloseIncident(long incidentId, DateTimeOffset time, string status) => _closing.Enqueue((incidentId, time, status));

    /// <summary>Drains the sink until it completes or <paramref name="cancellationToken"/> fires, then drains and writes what is left.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var writing = Task.Run(WriteLoopAsync, CancellationToken.None);
        try
        {
            while (true)
            {
                var findings = _evidence.Findings.WaitToReadAsync(cancellationToken).AsTask();
                var refusals = _evidence.Refusals.WaitToReadAsync(cancellationToken).AsTask();
                await Task.WhenAny(findings, refusals);
                if (findings.IsCompletedSuccessfully && !findings.Result && refusals.IsCompleted && !refusals.Result)
                {
                    break;
                }

                Decide();
                await _batches.Writer.WriteAsync(TakeWrites(), CancellationToken.None);
            }
        }
        catch (OperationCanceledException)
        {
        }

        Decide();
        FlushFolds(DateTimeOffset.MaxValue);
        await _batches.Writer.WriteAsync(TakeWrites(), CancellationToken.None);
        _batches.Writer.Complete();
        await writing;
    }

    /// <summary>Decides and writes what is queued now, on the caller's thread (when <see cref="RunAsync"/> is not running).</summary>
    /// <returns>How many findings and refusals it took.</returns>
    public int DrainOnce()
    {
        var taken = Decide();
        return taken + Write(TakeWrites());
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var batch in _batches.Reader.ReadAllAsync(CancellationToken.None))
        {
            Write(batch);
        }
    }

    /// <summary>The decisions of one batch: no SQLite here.</summary>
    private int Decide()
    {
        while (_closing.TryDequeue(out var closing))
        {
            if (_correlator.Close(closing.IncidentId) is { } scope)
            {
                _writes.Add(() => _store.CloseIncident(closing.IncidentId, closing.Time, closing.Status));
                // A repeat after the release is new evidence, not one more occurrence of a finding of the closed incident.
                FlushFolds(DateTimeOffset.MaxValue, scope);
            }
        }

        var taken = 0;
        while (taken < MaxBatch && _evidence.Findings.TryRead(out var finding))
        {
            Admit(finding);
            taken++;
        }

        if (taken > 0)
        {
            var now = _evidence.Time.GetUtcNow();
            FlushFolds(now - FoldWindow);
            ForgetEntriesBefore(now - _correlator.Window - FoldWindow);
        }

        return taken;
    }

    private List<Action> TakeWrites()
    {
        var writes = _writes;
        _writes = [];
        return writes;
    }

    /// <summary>The refusals queued now and the rows of one decided batch, in one transaction.</summary>
    private int Write(List<Action> writes)
    {
        var refusals = 0;
        using var transaction = _store.Begin();
        while (refusals < MaxBatch && _evidence.Refusals.TryRead(out var refusal))
        {
            _store.Insert(refusal);
            refusals++;
        }

        foreach (var write in writes)
        {
            write();
        }

        transaction.Commit();
        return refusals;
    }

    /// <summary>One finding: fold, number, record in the ledger, correlate, announce.</summary>
    private void Admit(Finding finding)
    {
        var key = (finding.Reason, finding.AssetId, finding.SignalId, finding.GroupingSource);
        if (_folds.TryGetValue(key, out var fold) && finding.Time - fold.Last <= FoldWindow)
        {
            // A repeat is one more occurrence of the stored finding, not a new row; it still counts towards an incident
            // when it is one more act of a source, or when the condition has now lasted another recurrence interval.
            var present = IncidentCorrelator.CountsEachOccurrence(finding) || finding.Time - fold.Presented >= IncidentCorrelator.RecurrenceInterval;
            _folds[key] = (fold.Id, finding.Time, fold.Pending + finding.Occurrences, present ? finding.Time : fold.Presented);
            if (present)
            {
                if (_entries.TryGetValue(fold.Id, out var kept))
                {
                    _entries[fold.Id] = (kept.Entry, finding.Time);
                }

                Correlate(finding, fold.Id, repeat: true);
            }

            return;
        }

        if (fold.Pending > 0)
        {
            _writes.Add(() => _store.AddOccurrences(fold.Id, fold.Pending, fold.Last));
        }

        _incidentOf.Remove(fold.Id);
        var id = ++_lastFindingId;
        var entry = _ledger.RecordFinding(id, finding);
        _entries[id] = (entry, finding.Time);
        _writes.Add(() => _store.Insert(finding, id, entry));
        _folds[key] = (id, finding.Time, 0, finding.Time);
        FindingStored?.Invoke(id, finding);
        Correlate(finding, id, repeat: false);
    }

    /// <summary>Correlates a new finding, or a repeat of a stored one (<paramref name="id"/> is then the stored finding's).</summary>
    private void Correlate(Finding finding, long id, bool repeat)
    {
        var decision = _correlator.Observe(finding, id);
        if (decision.JoinIncidentId is { } incidentId)
        {
            // A repeat of a finding already in the incident keeps it open, but is not one more member.
            if (!repeat || _incidentOf.GetValueOrDefault(id) != incidentId)
            {
                _incidentOf[id] = incidentId;
                _writes.Add(() => _store.JoinIncident(incidentId, id, finding));
            }

            if (decision.Escalated is { } escalated)
            {
                var escalation = _ledger.RecordEscalation(escalated, id, finding.Time);
                var members = _entries.TryGetValue(id, out var e) ? [escalation, e.Entry] : new[] { escalation };
                escalated = escalated with { LedgerEntries = [.. escalated.LedgerEntries, .. members], Members = [finding] };
                _writes.Add(() => _store.UpdateIncident(escalated, finding.Time));
                IncidentEscalated?.Invoke(escalated);
            }
        }
        else if (decision.OpenScope is { } scope)
        {
            var members = decision.FindingIds;
            var incident = new Incident(
                ++_lastIncidentId,
                finding.Time,
                scope,
                finding.AssetId,
                decision.DeviceId,
                decision.Severity,
                $"{finding.Reason.Name()} on {scope}: {finding.Message}",
                decision.Rule!,
                decision.Reasons)
            {
                Members = decision.Members,
            };
            var incidentEntry = _ledger.RecordIncident(incident, members);
            incident = incident with { LedgerEntries = [incidentEntry, .. members.Where(_entries.ContainsKey).Select(m => _entries[m].Entry)] };
            foreach (var member in members)
            {
                _incidentOf[member] = incident.Id;
            }

            _writes.Add(() => _store.OpenIncident(incident, members, incidentEntry));
            _correlator.Opened(incident);
            _evidence.Metrics.CountIncident();
            IncidentOpened?.Invoke(incident);
        }
    }

    /// <summary>Ledger entries are kept while their findings can still join a new incident (the correlation window).</summary>
    private void ForgetEntriesBefore(DateTimeOffset time)
    {
        foreach (var (id, (_, at)) in _entries)
        {
            if (at < time)
            {
                _entries.Remove(id);
            }
        }
    }

    private void FlushFolds(DateTimeOffset olderThan, string? scope = null)
    {
        foreach (var (key, fold) in _folds)
        {
            if (fold.Last < olderThan && (scope is null || IncidentCorrelator.ScopeOf(key.Reason, key.Asset, key.Device) == scope))
            {
                if (fold.Pending > 0)
                {
                    _writes.Add(() => _store.AddOccurrences(fold.Id, fold.Pending, fold.Last));
                }

                _folds.Remove(key);
                _incidentOf.Remove(fold.Id);
            }
        }
    }
}

using System.Collections.Concurrent;
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
/// <para>Each batch runs in two phases. First every finding is decided in memory: folded, numbered, recorded in the
/// ledger, correlated, and announced (<see cref="FindingStored"/>, <see cref="IncidentOpened"/>), so containment starts
/// without waiting for SQLite. Then the batch's rows are written in one transaction. The stage numbers findings and
/// incidents itself (it is the only writer of both tables), so an announced id is the id the row will have.</para>
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
    private readonly Dictionary<(ReasonCode Reason, string? Asset, string? Signal, string? Device), (long Id, DateTimeOffset Last, int Pending)> _folds = [];
    private readonly List<Action> _writes = [];
    private readonly Dictionary<long, long> _batchEntries = [];
    private readonly ConcurrentQueue<(long IncidentId, DateTimeOffset Time, string Status)> _closing = new();
    private long _lastFindingId;
    private long _lastIncidentId;

    /// <summary>Creates the stage; numbering continues after the rows already in <paramref name="store"/>.</summary>
    public RecordStage(EvidenceSink evidence, PlantStore store, IncidentCorrelator correlator, LedgerRecorder ledger)
    {
        (_evidence, _store, _correlator, _ledger) = (evidence, store, correlator, ledger);
        _lastFindingId = store.LastId("findings");
        _lastIncidentId = store.LastId("incidents");
    }

    /// <summary>Raised (on the record stage's thread) when a new finding is admitted, with its id; its row follows in the same batch.</summary>
    public event Action<long, Finding>? FindingStored;

    /// <summary>Raised (on the record stage's thread) when an incident opens, before its row is written.</summary>
    public event Action<Incident>? IncidentOpened;

    /// <summary>
    /// Closes an open incident (thread-safe; applied at the next batch): later findings in its scope open a new incident.
    /// The respond stage calls it when the incident's containment is released.
    /// </summary>
    public void CloseIncident(long incidentId, DateTimeOffset time, string status) => _closing.Enqueue((incidentId, time, status));

    /// <summary>Drains the sink until it completes or <paramref name="cancellationToken"/> fires, then drains what is left.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
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

                DrainOnce();
            }
        }
        catch (OperationCanceledException)
        {
        }

        DrainOnce();
        FlushFolds(DateTimeOffset.MaxValue);
        Write();
    }

    /// <summary>Decides and writes what is queued now (one transaction). Returns how many findings and refusals it took.</summary>
    public int DrainOnce()
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
            FlushFolds(_evidence.Time.GetUtcNow() - FoldWindow);
        }

        return taken + Write();
    }

    /// <summary>Phase two: the refusals queued now and the rows decided in phase one, in one transaction.</summary>
    private int Write()
    {
        var refusals = 0;
        using var transaction = _store.Begin();
        while (refusals < MaxBatch && _evidence.Refusals.TryRead(out var refusal))
        {
            _store.Insert(refusal);
            refusals++;
        }

        foreach (var write in _writes)
        {
            write();
        }

        transaction.Commit();
        _writes.Clear();
        _batchEntries.Clear();
        return refusals;
    }

    /// <summary>Phase one for one finding: fold, number, record in the ledger, correlate, announce.</summary>
    private void Admit(Finding finding)
    {
        var key = (finding.Reason, finding.AssetId, finding.SignalId, finding.DeviceId);
        if (_folds.TryGetValue(key, out var fold) && finding.Time - fold.Last <= FoldWindow)
        {
            _folds[key] = (fold.Id, finding.Time, fold.Pending + finding.Occurrences);
            return;
        }

        if (fold.Pending > 0)
        {
            _writes.Add(() => _store.AddOccurrences(fold.Id, fold.Pending, fold.Last));
        }

        var id = ++_lastFindingId;
        var entry = _ledger.RecordFinding(id, finding);
        _batchEntries[id] = entry;
        _writes.Add(() => _store.Insert(finding, id, entry));
        _folds[key] = (id, finding.Time, 0);
        FindingStored?.Invoke(id, finding);

        var decision = _correlator.Observe(finding, id);
        if (decision.JoinIncidentId is { } incidentId)
        {
            _writes.Add(() => _store.JoinIncident(incidentId, id, finding));
        }
        else if (decision.OpenScope is { } scope)
        {
            var members = decision.FindingIds;
            var incident = new Incident(
                ++_lastIncidentId,
                finding.Time,
                scope,
                finding.AssetId,
                finding.DeviceId,
                finding.Severity,
                $"{finding.Reason.Name()} on {scope}: {finding.Message}",
                decision.Rule!,
                [finding.Reason]);
            var incidentEntry = _ledger.RecordIncident(incident, members);
            incident = incident with { LedgerEntries = [incidentEntry, .. LedgerEntriesOf(members)] };
            _writes.Add(() => _store.OpenIncident(incident, members, incidentEntry));
            _correlator.Opened(scope, incident.Id, finding.Time);
            _evidence.Metrics.CountIncident();
            IncidentOpened?.Invoke(incident);
        }
    }

    /// <summary>The ledger entries of findings admitted in this batch or stored before it, in the order given.</summary>
    private List<long> LedgerEntriesOf(IReadOnlyList<long> findingIds)
    {
        var entries = new List<long>(findingIds.Count);
        var stored = new List<long>();
        foreach (var id in findingIds)
        {
            if (_batchEntries.TryGetValue(id, out var entry))
            {
                entries.Add(entry);
            }
            else
            {
                stored.Add(id);
            }
        }

        return stored.Count == 0 ? entries : [.. _store.LedgerEntriesOf(stored), .. entries];
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
            }
        }
    }
}

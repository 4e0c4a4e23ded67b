using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Record;

/// <summary>
/// The single consumer of <see cref="EvidenceSink"/>: folds repeated findings, correlates them into incidents and
/// writes findings, incidents and refusals to the <see cref="PlantStore"/> in batched transactions.
/// </summary>
/// <remarks>
/// Folding: the same reason on the same asset, signal and device within <see cref="FoldWindow"/> becomes one stored
/// finding whose occurrence count grows, so a flood of refusals becomes one finding that says how many, not a
/// million rows of findings (the refusals themselves are all kept, up to the sink's bound).
/// </remarks>
public sealed class RecordStage(EvidenceSink evidence, PlantStore store, IncidentCorrelator correlator, LedgerRecorder ledger)
{
    /// <summary>Repeats within this interval fold into one finding.</summary>
    public static readonly TimeSpan FoldWindow = TimeSpan.FromSeconds(10);

    private const int MaxBatch = 2000;
    private readonly Dictionary<(ReasonCode, string?, string?, string?), (long Id, DateTimeOffset Last, int Pending)> _folds = [];

    /// <summary>Raised (on the record stage's thread) after a new finding is stored, with its id.</summary>
    public event Action<long, Finding>? FindingStored;

    /// <summary>Raised (on the record stage's thread) after an incident is opened.</summary>
    public event Action<Incident>? IncidentOpened;

    /// <summary>Drains the sink until it completes or <paramref name="cancellationToken"/> fires, then drains what is left.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var findings = evidence.Findings.WaitToReadAsync(cancellationToken).AsTask();
                var refusals = evidence.Refusals.WaitToReadAsync(cancellationToken).AsTask();
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
    }

    /// <summary>Writes what is queued now, in one transaction. Returns how many items were written.</summary>
    public int DrainOnce()
    {
        var written = 0;
        using var transaction = store.Begin();
        while (written < MaxBatch && evidence.Refusals.TryRead(out var refusal))
        {
            store.Insert(refusal);
            written++;
        }

        while (written < MaxBatch && evidence.Findings.TryRead(out var finding))
        {
            Store(finding);
            written++;
        }

        if (written > 0)
        {
            FlushFolds(evidence.Time.GetUtcNow() - FoldWindow);
        }

        transaction.Commit();
        return written;
    }

    private void Store(Finding finding)
    {
        var key = (finding.Reason, finding.AssetId, finding.SignalId, finding.DeviceId);
        if (_folds.TryGetValue(key, out var fold) && finding.Time - fold.Last <= FoldWindow)
        {
            _folds[key] = (fold.Id, finding.Time, fold.Pending + finding.Occurrences);
            return;
        }

        if (fold.Pending > 0)
        {
            store.AddOccurrences(fold.Id, fold.Pending, fold.Last);
        }

        var id = store.Insert(finding);
        store.SetLedgerEntry("findings", id, ledger.RecordFinding(id, finding));
        _folds[key] = (id, finding.Time, 0);
        FindingStored?.Invoke(id, finding);

        var decision = correlator.Observe(finding, id);
        if (decision.JoinIncidentId is { } incidentId)
        {
            store.JoinIncident(incidentId, id, finding);
        }
        else if (decision.OpenScope is { } scope)
        {
            var incident = new Incident(
                0,
                finding.Time,
                scope,
                finding.AssetId,
                finding.DeviceId,
                finding.Severity,
                $"{finding.Reason.Name()} on {scope}: {finding.Message}",
                decision.Rule!,
                [finding.Reason]);
            var newId = store.OpenIncident(incident, decision.FindingIds);
            var entry = ledger.RecordIncident(incident with { Id = newId }, decision.FindingIds);
            store.SetLedgerEntry("incidents", newId, entry);
            incident = incident with { Id = newId, LedgerEntries = [entry, .. store.LedgerEntriesOf(decision.FindingIds)] };
            correlator.Opened(scope, newId, finding.Time);
            evidence.Metrics.CountIncident();
            IncidentOpened?.Invoke(incident);
        }
    }

    private void FlushFolds(DateTimeOffset olderThan)
    {
        foreach (var (key, fold) in _folds)
        {
            if (fold.Last < olderThan)
            {
                if (fold.Pending > 0)
                {
                    store.AddOccurrences(fold.Id, fold.Pending, fold.Last);
                }

                _folds.Remove(key);
            }
        }
    }
}

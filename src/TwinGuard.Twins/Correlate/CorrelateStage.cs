using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Pipeline;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Correlate;

/// <summary>
/// The correlate stage: drains the findings every earlier stage raised into the <see cref="EvidenceSink"/>, folds
/// repeats, numbers what it admits, asks the <see cref="IncidentCorrelator"/>'s rules and threat intelligence, and
/// announces findings and incidents to the respond stage and the live views.
/// </summary>
/// <remarks>
/// <para>Folding: the same reason on the same asset, signal and device within <see cref="FoldWindow"/> becomes one
/// finding whose occurrence count grows, so a flood of refusals becomes one finding that says how many, not a million
/// findings (the refusals themselves are all kept by the record stage, up to the sink's bound).</para>
/// <para>Every decision is handed to the <see cref="RecordStage"/> as it is made (the ledger entry at once, the rows in
/// one transaction per batch), then announced: containment never waits for the database, and an announced id is the
/// id the row will have. Single-threaded: one loop takes the findings in arrival order.</para>
/// </remarks>
public sealed class CorrelateStage
{
    /// <summary>Repeats within this interval fold into one finding.</summary>
    public static readonly TimeSpan FoldWindow = TimeSpan.FromSeconds(10);

    private const int MaxBatch = 2000;
    private readonly EvidenceSink _evidence;
    private readonly IncidentCorrelator _correlator;
    private readonly RecordStage _record;
    private readonly IntelAdapter? _intel;
    private readonly SuppressionList? _suppressions;
    private readonly StageLinker _stages;
    private readonly Dictionary<(ReasonCode Reason, string? Asset, string? Signal, string? Device), Fold> _folds = [];
    private readonly Dictionary<long, long> _incidentOf = [];
    private readonly Dictionary<long, (long Entry, DateTimeOffset Time)> _entries = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<(long IncidentId, DateTimeOffset Time, string Status)> _closing = new();

    /// <summary>Creates the stage; numbering continues after what <paramref name="record"/> already holds.</summary>
    /// <param name="evidence">Where findings arrive.</param>
    /// <param name="correlator">The incident rules.</param>
    /// <param name="record">The next stage that keeps every decision.</param>
    /// <param name="intel">Threat intelligence, when the site has feeds: process anomalies are matched against it.</param>
    /// <param name="suppressions">Analysts' suppressions of benign recurring findings, when any can be made.</param>
    public CorrelateStage(EvidenceSink evidence, IncidentCorrelator correlator, RecordStage record, IntelAdapter? intel = null, SuppressionList? suppressions = null)
    {
        (_evidence, _correlator, _record, _intel, _suppressions) = (evidence, correlator, record, intel, suppressions);
        _stages = new StageLinker(correlator.CampaignWindow, AttackMapping.Default);
    }

    /// <summary>Raised (on the stage's loop) when a new finding is admitted, with its id; its row is written shortly after.</summary>
    public event Action<long, Finding>? FindingAdmitted;

    /// <summary>
    /// Raised (on the stage's loop) when an incident opens, or a later stage of a multi-stage intrusion is attached to an
    /// open one (<see cref="Incident.Stage"/> above 1: the same id, the stage's scope, findings and rule), before its row
    /// is written. Either way the playbooks that match it run.
    /// </summary>
    /// <remarks>It carries the highest severity and the distinct reasons of all the findings it (the stage) opens over.</remarks>
    public event Action<Incident>? IncidentOpened;

    /// <summary>
    /// Raised (on the stage's loop, before the row is updated) when a finding joining an open incident raises its
    /// severity or adds a reason: the incident as it stands now, same id.
    /// </summary>
    public event Action<Incident>? IncidentEscalated;

    /// <summary>
    /// Raised (on the stage's loop, before the row is updated) when the same step of an open incident's intrusion comes
    /// again and is folded into the stage it repeats: the incident as that stage now stands (same id,
    /// <see cref="Incident.Stage"/> the repeated stage's number, its occurrences and last seen in <see cref="Incident.Stages"/>).
    /// </summary>
    /// <remarks>
    /// The stage is not new, so <see cref="IncidentOpened"/> is not raised; the respond stage still hears of it, because
    /// the containment that answered the stage may have ended (a quarantine's expiry) while the attacker comes back.
    /// </remarks>
    public event Action<Incident>? StageRepeated;

    /// <summary>
    /// Closes an open incident (thread-safe; applied with the next batch): later findings in its scope open a new incident.
    /// The respond stage calls it when the incident's containment is released.
    /// </summary>
    public void CloseIncident(long incidentId, DateTimeOffset time, string status) => _closing.Enqueue((incidentId, time, status));

    /// <summary>Closes an incident whose containment an operator released (the respond stage's <c>IncidentReleased</c>).</summary>
    public void CloseReleased(long incidentId, DateTimeOffset time) => CloseIncident(incidentId, time, "released");

    /// <summary>
    /// Drains the sink's findings until it completes or <paramref name="cancellationToken"/> fires, then decides what is
    /// left and completes the record stage's input.
    /// </summary>
    /// <remarks>
    /// The findings are decided on the thread that raised them when the stage is idle (<see cref="InlineRunner"/>): a
    /// critical finding reaches the respond stage, and its containment, without waiting for a thread-pool thread.
    /// </remarks>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var runner = new InlineRunner(DecideAndCommit, () => _evidence.Findings.Count > 0);
        _evidence.Queued += runner.Kick;
        try
        {
            runner.Kick(); // what was raised before the stage started
            await _evidence.Findings.Completion.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _evidence.Queued -= runner.Kick;
        }

        await runner.IdleAsync();
        Decide();
        FlushFolds(DateTimeOffset.MaxValue);
        await _record.CommitAsync();
        _record.Complete();
    }

    private ValueTask DecideAndCommit()
    {
        Decide();
        return _record.CommitAsync();
    }

    /// <summary>Decides and writes what is queued now, on the caller's thread (when <see cref="RunAsync"/> is not running).</summary>
    /// <returns>How many findings and refusals it took.</returns>
    public int DrainOnce() => Decide() + _record.WriteNow();

    /// <summary>The decisions of one batch: no SQLite here.</summary>
    private int Decide()
    {
        while (_closing.TryDequeue(out var closing))
        {
            _stages.Closed(closing.IncidentId);
            var scopes = _correlator.Close(closing.IncidentId);
            if (scopes.Count > 0)
            {
                _record.CloseIncident(closing.IncidentId, closing.Time, closing.Status);
            }

            foreach (var scope in scopes)
            {
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

    /// <summary>One finding: fold, number, record, ask intelligence, correlate, announce.</summary>
    private void Admit(Finding finding)
    {
        if (_suppressions?.Suppresses(finding) == true)
        {
            return; // counted against its suppression: an analyst ruled it benign (see SuppressionList for what never is)
        }

        var key = (finding.Reason, finding.AssetId, finding.SignalId, finding.GroupingSource);
        if (_folds.TryGetValue(key, out var fold) && finding.Time - fold.Last <= FoldWindow)
        {
            // A repeat is one more occurrence of the admitted finding, not a new one; it still counts towards an incident
            // when it is one more act of a source, or when the condition has now lasted another recurrence interval.
            var present = IncidentCorrelator.CountsEachOccurrence(finding) || finding.Time - fold.Presented >= IncidentCorrelator.RecurrenceInterval;
            _folds[key] = new Fold(fold.Id, finding.Time, fold.Pending + finding.Occurrences, present ? finding.Time : fold.Presented);
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
            _record.AddOccurrences(fold.Id, fold.Pending, fold.Last);
        }

        _incidentOf.Remove(fold.Id);
        var id = _record.NextFindingId();
        _entries[id] = (_record.Finding(id, finding), finding.Time);
        _folds[key] = new Fold(id, finding.Time, 0, finding.Time);
        FindingAdmitted?.Invoke(id, finding);
        _intel?.Observe(finding);
        Correlate(finding, id, repeat: false);
    }

    /// <summary>Correlates a new finding, or a repeat of an admitted one (<paramref name="id"/> is then the admitted finding's).</summary>
    private void Correlate(Finding finding, long id, bool repeat)
    {
        var decision = _correlator.Observe(finding, id);
        if (decision.JoinIncidentId is { } incidentId)
        {
            // A repeat of a finding already in the incident keeps it open, but is not one more member.
            if (!repeat || _incidentOf.GetValueOrDefault(id) != incidentId)
            {
                _incidentOf[id] = incidentId;
                _record.JoinIncident(incidentId, id, finding);
                _stages.Joined(incidentId, finding);
            }

            if (decision.Escalated is { } escalated)
            {
                var escalation = _record.Escalation(escalated, id, finding.Time);
                var members = _entries.TryGetValue(id, out var e) ? [escalation, e.Entry] : new[] { escalation };
                escalated = escalated with { LedgerEntries = [.. escalated.LedgerEntries, .. members], Members = [finding] };
                _record.UpdateIncident(escalated, finding.Time);
                _stages.Escalated(escalated);
                IncidentEscalated?.Invoke(escalated);
            }
        }
        else if (decision.OpenScope is { } scope)
        {
            var link = _stages.LinkOf(decision.Members, finding.Time);
            if (link is { Attachable: true })
            {
                if (_stages.FoldsInto(link, scope, decision.Members, decision.Severity) is { } repeated)
                {
                    FoldStage(link, repeated, scope, decision, finding);
                }
                else
                {
                    AttachStage(link, scope, decision, finding);
                }

                return;
            }

            var stage = new IncidentStage(1, finding.Time, scope, finding.AssetId, decision.DeviceId, decision.Severity, decision.Rule!, decision.Reasons,
                $"{finding.Reason.Name()} on {scope}: {finding.Message}", null);
            var members = decision.FindingIds;
            // The stage's device, severity and reasons: the decision computes them from its members on every read.
            var incident = new Incident(
                _record.NextIncidentId(),
                finding.Time,
                scope,
                finding.AssetId,
                stage.DeviceId,
                stage.Severity,
                stage.Title,
                decision.Rule!,
                stage.Reasons)
            {
                Members = decision.Members,
                CampaignId = link?.Campaign,
                Stages = [stage],
            };
            var incidentEntry = _record.Incident(incident, members);
            incident = incident with { LedgerEntries = [incidentEntry, .. members.Where(_entries.ContainsKey).Select(m => _entries[m].Entry)] };
            foreach (var member in members)
            {
                _incidentOf[member] = incident.Id;
            }

            _record.OpenIncident(incident, members, incidentEntry);
            _correlator.Opened(incident);
            _stages.Opened(incident, decision.Members, finding.Time);
            _evidence.Metrics.CountIncident();
            IncidentOpened?.Invoke(incident);
        }
    }

    /// <summary>
    /// A later step of an open incident's intrusion: recorded as its next stage (same incident id, the stage's scope),
    /// its scope's later findings join the incident, and the playbooks answer the stage as they would a new incident.
    /// </summary>
    private void AttachStage(StageLink link, string scope, CorrelationDecision decision, Finding finding)
    {
        var stage = new IncidentStage(link.Stages.Count + 1, finding.Time, scope, finding.AssetId, decision.DeviceId, decision.Severity, decision.Rule!,
            decision.Reasons, $"{finding.Reason.Name()} on {scope}: {finding.Message}", link.Link);
        var members = decision.FindingIds;
        var incident = new Incident(link.IncidentId, finding.Time, scope, finding.AssetId, stage.DeviceId, stage.Severity, stage.Title, decision.Rule!, stage.Reasons)
        {
            Members = decision.Members,
            CampaignId = link.CampaignId,
            Stage = stage.Number,
            Stages = [.. link.Stages, stage],
        };
        var entry = _record.Stage(incident, stage, members);
        incident = incident with { LedgerEntries = [entry, .. members.Where(_entries.ContainsKey).Select(m => _entries[m].Entry)] };
        foreach (var member in members)
        {
            _incidentOf[member] = incident.Id;
        }

        _record.AttachStage(incident, stage, members, entry);
        _correlator.Opened(incident);
        _stages.Attached(incident.Id, stage, decision.Members, finding.Time);
        IncidentOpened?.Invoke(incident);
    }

    /// <summary>
    /// The same step of an open incident's intrusion again, later (same scope, no new technique, no higher severity):
    /// counted in the stage it repeats (occurrences, last seen) instead of becoming a new stage. Its findings join the
    /// incident and its scope's later findings too. It is not announced as a new stage (the playbooks answered that step
    /// when it first came) but as a repeat (<see cref="StageRepeated"/>): the respond stage runs the stage's playbooks again
    /// when the containment they put in force has ended (a recurrence after an operator closed the incident opens a new
    /// incident of its campaign instead).
    /// </summary>
    private void FoldStage(StageLink link, IncidentStage repeated, string scope, CorrelationDecision decision, Finding finding)
    {
        var stage = repeated with { Occurrences = repeated.Occurrences + 1, LastSeen = finding.Time };
        var members = decision.FindingIds;
        _record.RepeatStage(link.IncidentId, stage, members);
        foreach (var member in members)
        {
            _incidentOf[member] = link.IncidentId;
        }

        var incident = new Incident(link.IncidentId, finding.Time, scope, finding.AssetId, decision.DeviceId, stage.Severity, stage.Title, stage.Rule, stage.Reasons)
        {
            Members = decision.Members,
            CampaignId = link.CampaignId,
            Stage = stage.Number,
            Stages = [.. link.Stages.Select(s => s.Number == stage.Number ? stage : s)],
        };
        _correlator.Opened(incident);
        _stages.Folded(link.IncidentId, stage, decision.Members, finding.Time);
        StageRepeated?.Invoke(incident);
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
                    _record.AddOccurrences(fold.Id, fold.Pending, fold.Last);
                }

                _folds.Remove(key);
                _incidentOf.Remove(fold.Id);
            }
        }
    }

    /// <summary>An admitted finding that repeats: its id, its last occurrence, occurrences not yet written, when it last counted.</summary>
    private readonly record struct Fold(long Id, DateTimeOffset Last, int Pending, DateTimeOffset Presented);
}

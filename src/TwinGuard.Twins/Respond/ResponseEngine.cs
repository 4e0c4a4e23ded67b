using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Pipeline;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Respond;

/// <summary>
/// The respond stage: runs the matching playbooks on every incident the correlate stage opens or escalates, keeps the
/// quarantine store, and carries out operators' approvals and releases.
/// </summary>
/// <remarks>
/// <para>A playbook runs at most once per incident: when the incident opens, every playbook that matches runs; when it
/// escalates (a finding raised its severity or added a reason), the playbooks that match now and have not yet run on it
/// do. Every action recorded names the incident.</para>
/// <para>All work runs one item at a time on the engine's own lane (<see cref="WorkLane"/>, <see cref="QueueCapacity"/>
/// items): when the engine is idle, an incident's containment runs on the thread that announced it, with no thread hop;
/// records and approvals go on off that thread, so the correlate stage is held up by containment only. Containment is
/// never dropped: when the lane is full, the correlate stage's thread waits for room (its announcements are synchronous
/// events), which holds up the findings behind it (the evidence sink is bounded and counts what it cannot queue); an
/// operator's call waits for room asynchronously; a poll tick that finds it full is skipped (the next one comes). Containment comes first: the containing
/// actions (quarantine, disconnect, revoke, read-only, block) of every matching playbook are put in force in order, in
/// memory and at the broker, before anything is written; then they are recorded and approvals are asked for.</para>
/// <para>Notifications and reports go on lanes of their own, one per notifier (<see cref="IncidentCommunicator"/>): a
/// webhook that takes ten seconds to answer delays its own next notification, never another receiver's alert nor the
/// next incident's containment.</para>
/// <para>Operators' decisions written by the CLI into the database (approvals, releases, manual quarantines) are
/// picked up every <see cref="ResponsePlan.PollInterval"/>; so are expiries and approval timeouts.</para>
/// </remarks>
public sealed partial class ResponseEngine : IAsyncDisposable
{
    private const int EvidencePerScope = 64;

    /// <summary>How many incidents' playbook runs are remembered; an incident older than the last this many cannot still be escalating.</summary>
    private const int RememberedIncidents = 4096;

    private readonly ResponsePlan _plan;
    private readonly PlantModelSource _plant;
    private readonly ContainmentEnforcer _containment;
    private readonly IncidentCommunicator _communicator;
    private readonly ResponseStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CorrelateStage? _correlate;
    private readonly Dictionary<string, Queue<Finding>> _evidence = new(StringComparer.Ordinal);
    private readonly HashSet<long> _applied = [];
    private readonly Dictionary<(long Incident, int Stage), StageResponse> _ran = [];
    private readonly Queue<(long Incident, int Stage)> _ranOrder = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly WorkLane _work;
    private Task _poller = Task.CompletedTask;

    /// <summary>Creates the engine; <see cref="StartAsync"/> restores the quarantine store and starts it.</summary>
    /// <param name="plan">The playbooks.</param>
    /// <param name="plant">The plant model in force: playbooks are matched against the one a reload last applied.</param>
    /// <param name="containment">Puts containment in force and lifts it.</param>
    /// <param name="communicator">Notifications and reports.</param>
    /// <param name="store">Where containments, approvals and actions are kept.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where failures are logged.</param>
    /// <param name="correlate">The stage whose incidents the engine responds to (none in tests that call <see cref="RespondAsync"/>).</param>
    public ResponseEngine(
        ResponsePlan plan,
        PlantModelSource plant,
        ContainmentEnforcer containment,
        IncidentCommunicator communicator,
        ResponseStore store,
        TimeProvider time,
        ILogger<ResponseEngine> logger,
        CorrelateStage? correlate = null)
    {
        _plan = plan;
        _plant = plant;
        _containment = containment;
        _communicator = communicator;
        _store = store;
        _time = time;
        _logger = logger;
        _correlate = correlate;
        _work = new WorkLane("respond", QueueCapacity, runOnCaller: true, logger);
    }

    /// <summary>How many items (announced incidents, operators' calls, polls) the engine's queue holds at most.</summary>
    public const int QueueCapacity = 4096;

    /// <summary>Raised after every action is recorded (including releases): the ledger's hook.</summary>
    public event Action<ActionRecord>? ActionRecorded
    {
        add => _store.ActionRecorded += value;
        remove => _store.ActionRecorded -= value;
    }

    /// <summary>
    /// Raised (on the engine's queue) when an operator's release of a containment ends its incident: the correlate stage
    /// closes it, so that the source misbehaving again opens a new incident and the playbooks run again.
    /// </summary>
    public event Action<long, DateTimeOffset>? IncidentReleased;

    /// <summary>How this serve claims due approvals and takes over those whose owner died carrying them out.</summary>
    /// <value>A serve sharing its store with others it knows nothing of: another's claim is taken over after its lease.</value>
    public ApprovalClaims Claims { get; init; } = ApprovalClaims.Shared(TimeProvider.System);

    /// <summary>The response plan in force.</summary>
    public ResponsePlan Plan => _plan;

    /// <summary>True when API writes to the asset's twin must be refused.</summary>
    public bool IsReadOnly(string assetId) => _containment.IsReadOnly(assetId);

    /// <summary>Restores every active containment from the store (before the broker takes connections), then starts.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await RestoreAsync(cancellationToken);
        if (_correlate is not null)
        {
            _correlate.FindingAdmitted += OnFindingAdmitted;
            _correlate.IncidentOpened += OnIncidentAnnounced;
            _correlate.IncidentEscalated += OnIncidentAnnounced;
            _correlate.StageRepeated += OnStageRepeated;
        }

        _communicator.Start();
        _work.Start(); // and what was queued before the start
        _poller = Task.Run(PollLoopAsync, CancellationToken.None);
    }

    /// <summary>Finishes the queued work and the notifications it queued, then stops.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_correlate is not null)
        {
            _correlate.FindingAdmitted -= OnFindingAdmitted;
            _correlate.IncidentOpened -= OnIncidentAnnounced;
            _correlate.IncidentEscalated -= OnIncidentAnnounced;
            _correlate.StageRepeated -= OnStageRepeated;
        }

        await _stopping.CancelAsync();
        await Task.WhenAll(_work.StopAsync(cancellationToken), _poller).WaitAsync(cancellationToken);
        await _communicator.StopAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync(CancellationToken.None);
        }

        _stopping.Dispose();
    }

    /// <summary>
    /// Runs the playbooks that match an incident and have not yet run on it (by its id), on the engine's queue; completes
    /// when they have run. Call it again with the incident as it stands after an escalation to run those that match now.
    /// </summary>
    public Task RespondAsync(Incident incident, IReadOnlyList<Finding> findings, CancellationToken cancellationToken = default)
    {
        var observed = _time.GetTimestamp();
        return Enqueue(ct => RespondCoreAsync(incident, findings, observed, ct), cancellationToken);
    }

    /// <summary>Which addresses may be blocked.</summary>
    public ContainmentTargets Targets => _containment.Targets;

    /// <summary>Puts a containment in force by an operator's decision (or a test's).</summary>
    /// <exception cref="ArgumentException">An address that must never be blocked (<see cref="ContainmentTargets"/>).</exception>
    public Task<QuarantineEntry> QuarantineAsync(QuarantineKind kind, string target, string by, string reason, TimeSpan? expires = null, CancellationToken cancellationToken = default) =>
        kind == QuarantineKind.Address && Targets.Refusal(target) is { } unsafeTarget ? Task.FromException<QuarantineEntry>(new ArgumentException(unsafeTarget, nameof(target))) :
        Enqueue(async ct =>
        {
            var (entry, added) = _store.AddQuarantine(kind, target, null, by, reason, expires is { } e ? _time.GetUtcNow() + e : null);
            if (_applied.Add(entry.Id))
            {
                var started = _time.GetTimestamp();
                await _containment.ApplyAsync(entry, ct);
                _store.Record(null, null, $"quarantine: {ResponseStore.Name(kind)}", target, added ? ActionOutcome.Done : ActionOutcome.AlreadyInPlace, by, reason, _time.GetElapsedTime(started));
            }

            return entry;
        }, cancellationToken);

    /// <summary>Releases a containment now (who and why are recorded). False when it is unknown or already released.</summary>
    public Task<bool> ReleaseAsync(long quarantineId, string who, string why, CancellationToken cancellationToken = default) =>
        Enqueue(async ct =>
        {
            if (!_store.Release(quarantineId, who, why))
            {
                return false;
            }

            await LiftAsync(_store.FindQuarantine(quarantineId)!, ct);
            return true;
        }, cancellationToken);

    /// <summary>Releases the active containment of this kind and target, if any (after the work queued before it has run).</summary>
    public Task<bool> ReleaseAsync(QuarantineKind kind, string target, string who, string why, CancellationToken cancellationToken = default) =>
        Enqueue(async ct =>
        {
            if (_store.FindActive(kind, target) is not { } entry || !_store.Release(entry.Id, who, why))
            {
                return false;
            }

            await LiftAsync(_store.FindQuarantine(entry.Id)!, ct);
            return true;
        }, cancellationToken);

    /// <summary>Looks for decisions, releases and expiries now instead of at the next poll.</summary>
    public Task PollAsync(CancellationToken cancellationToken = default) => Enqueue(PollCoreAsync, cancellationToken);

    private void OnFindingAdmitted(long id, Finding finding)
    {
        var scope = IncidentCorrelator.ScopeOf(finding);
        lock (_evidence)
        {
            if (!_evidence.TryGetValue(scope, out var queue))
            {
                _evidence[scope] = queue = new Queue<Finding>();
            }

            queue.Enqueue(finding);
            while (queue.Count > EvidencePerScope || (queue.Count > 1 && finding.Time - queue.Peek().Time > _plant.Current.Correlation.Window))
            {
                queue.Dequeue();
            }
        }
    }

    /// <summary>An incident opened or escalated: its evidence now, and the playbooks on the engine's queue.</summary>
    private void OnIncidentAnnounced(Incident incident)
    {
        var observed = _time.GetTimestamp();
        var findings = EvidenceOf(incident);
        Queue(ct => RespondCoreAsync(incident, findings, observed, ct));
    }

    /// <summary>A folded repeat of a stage: its evidence now, and the check whether it must be contained again on the engine's queue.</summary>
    private void OnStageRepeated(Incident incident)
    {
        var observed = _time.GetTimestamp();
        var findings = EvidenceOf(incident);
        Queue(ct => RespondToRepeatAsync(incident, findings, observed, ct));
    }

    /// <summary>The recent findings of the incident's scope and its members.</summary>
    private Finding[] EvidenceOf(Incident incident)
    {
        Finding[] findings;
        lock (_evidence)
        {
            findings = _evidence.TryGetValue(incident.Scope, out var queue) ? [.. queue] : [];
        }

        // A member that only recurred (folded into a finding stored earlier) may have left the scope's recent evidence.
        if (incident.Members.Any(m => !findings.Contains(m)))
        {
            findings = [.. findings, .. incident.Members.Where(m => !findings.Contains(m))];
        }

        return findings;
    }

    /// <summary>
    /// Queues an announcement of the correlate stage; when the queue is full, this thread waits for room (containment is
    /// never dropped). Dropped only once the engine has stopped.
    /// </summary>
    private void Queue(Func<CancellationToken, Task> work)
    {
        if (!_work.TryQueue(work))
        {
            // Synchronously: the correlate stage's events are; the lane drains on other threads, never this one's.
            _work.QueueAsync(work).AsTask().GetAwaiter().GetResult();
        }
    }

    private Task Enqueue(Func<CancellationToken, Task> work, CancellationToken cancellationToken) =>
        _work.RunAsync<bool>(async ct =>
        {
            await work(ct);
            return true;
        }, cancellationToken);

    /// <summary>Queues work and completes with its result (after the engine has stopped: <see cref="ChannelClosedException"/>).</summary>
    private Task<T> Enqueue<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken) => _work.RunAsync(work, cancellationToken);

    private async Task PollLoopAsync()
    {
        using var timer = new PeriodicTimer(_plan.PollInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                _work.TryQueue(PollCoreAsync); // full: skipped, the next tick comes
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Action {Action} of playbook {Playbook} on incident {IncidentId} failed")]
    private static partial void LogActionFailed(ILogger logger, Exception exception, string action, string playbook, long incidentId);
}

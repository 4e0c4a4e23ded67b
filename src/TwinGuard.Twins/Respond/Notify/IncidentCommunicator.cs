using System.Globalization;
using TwinGuard.Twins.Pipeline;
using TwinGuard.Twins.Plant;
using Microsoft.Extensions.Logging;

namespace TwinGuard.Twins.Respond;

/// <summary>Tells people and systems about an incident: notifications (syslog CEF, webhook, ECS) and incident reports.</summary>
/// <remarks>
/// <para>Every notification and report is recorded in the store as an action, done or failed; a failure is logged and
/// never stops the respond stage.</para>
/// <para>One lane per notifier (<see cref="WorkLane"/>, <see cref="LaneCapacity"/> each) and one for the reports, each
/// in order on a thread of the pool: a webhook that takes its HTTP client's whole timeout (10 s) to answer delays its
/// own next alert, never another receiver's, and never containment (the respond stage only queues). Bounded, so that
/// an attacker who opens incidents faster than a receiver takes alerts cannot grow memory: what does not fit is
/// recorded as failed and counted (<see cref="Dropped"/>).</para>
/// </remarks>
public sealed partial class IncidentCommunicator
{
    /// <summary>How many notifications may wait at most, per notifier (and for the reports).</summary>
    public const int LaneCapacity = 4096;

    private readonly PlantModel _plant;
    private readonly Dictionary<string, INotifier> _notifiers;
    private readonly Dictionary<string, WorkLane> _lanes;
    private readonly WorkLane _reportLane;
    private readonly IncidentReportWriter _reports;
    private readonly ResponseStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _dropped;

    /// <summary>Creates the communicator; every notifier a playbook of <paramref name="plan"/> names must be among <paramref name="notifiers"/>.</summary>
    public IncidentCommunicator(ResponsePlan plan, PlantModel plant, IEnumerable<INotifier> notifiers, IncidentReportWriter reports, ResponseStore store, TimeProvider time, ILogger<IncidentCommunicator> logger)
    {
        _plant = plant;
        _notifiers = notifiers.ToDictionary(n => n.Id, StringComparer.Ordinal);
        _reports = reports;
        _store = store;
        _time = time;
        _logger = logger;
        foreach (var id in plan.Playbooks.SelectMany(p => p.Actions).SelectMany(a => a.Notifiers).Where(id => !_notifiers.ContainsKey(id)))
        {
            throw new InvalidDataException($"notifier '{id}' is named by a playbook but was not created");
        }

        _lanes = _notifiers.Keys.ToDictionary(id => id, id => new WorkLane("notify " + id, LaneCapacity, runOnCaller: false, logger), StringComparer.Ordinal);
        _reportLane = new WorkLane("report", LaneCapacity, runOnCaller: false, logger);
    }

    /// <summary>Notifications and reports not sent because their lane was full (or serve was stopping); each is recorded as failed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Starts delivering what is queued.</summary>
    public void Start()
    {
        foreach (var lane in Lanes())
        {
            lane.Start();
        }
    }

    /// <summary>
    /// Delivers what is queued on every lane, then stops; when <paramref name="cancellationToken"/> fires first, the
    /// deliveries in progress are cancelled and the rest are dropped.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.WhenAll(Lanes().Select(lane => lane.StopAsync(cancellationToken)));

    /// <summary>
    /// Queues a <c>notify</c> action (one delivery on each named notifier's lane) or a <c>report</c> action (on the
    /// reports' lane), recording each outcome; <paramref name="then"/> runs once all of them are done or dropped.
    /// </summary>
    public void Queue(IncidentContext context, string playbook, PlaybookAction action, string by, long started, long? approvalId, Action? then)
    {
        if (action.Kind == ActionKind.Report)
        {
            Queue(_reportLane, "incident", ct => ReportAsync(context, playbook, action, by, started, approvalId, ct), context, playbook, action.Describe(), by, started, approvalId, then);
            return;
        }

        // Each delivery counts down; the last one to finish (or be dropped) runs what follows the action.
        var left = action.Notifiers.Count;
        Action? each = then is null ? null : () =>
        {
            if (Interlocked.Decrement(ref left) == 0)
            {
                then();
            }
        };
        if (left == 0)
        {
            then?.Invoke();
        }

        foreach (var id in action.Notifiers)
        {
            Queue(_lanes[id], id, ct => NotifyAsync(context, playbook, id, by, started, approvalId, ct), context, playbook, "notify", by, started, approvalId, each);
        }
    }

    /// <summary>Queues the appending of a release to its incident's report, after the report itself (one lane); false when the lane is full or stopped.</summary>
    public bool QueueReleaseReport(QuarantineEntry entry)
    {
        if (_reportLane.TryQueue(ct => ReportReleaseAsync(entry, ct)))
        {
            return true;
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }

    private void Queue(WorkLane lane, string target, Func<CancellationToken, Task> work, IncidentContext context, string playbook, string action, string by, long started, long? approvalId, Action? then)
    {
        var queued = lane.TryQueue(async ct =>
        {
            try
            {
                await work(ct);
            }
            finally
            {
                then?.Invoke();
            }
        });
        if (!queued)
        {
            Interlocked.Increment(ref _dropped);
            _store.Record(context.Incident.Id, playbook, action, target, ActionOutcome.Failed, by,
                string.Create(CultureInfo.InvariantCulture, $"not sent: {lane.Capacity} notifications already wait for this receiver (or serve is stopping)"),
                _time.GetElapsedTime(started), approvalId);
            then?.Invoke();
        }
    }

    private async Task ReportAsync(IncidentContext context, string playbook, PlaybookAction action, string by, long started, long? approvalId, CancellationToken cancellationToken)
    {
        var alert = new IncidentAlert(_plant.Site.Id, context, playbook, _store.Actions(context.Incident.Id), _time.GetUtcNow());
        try
        {
            var containments = _store.Quarantines(includeReleased: true).Where(q => q.IncidentId == context.Incident.Id).ToList();
            var (md, json) = await _reports.WriteAsync(alert, containments, cancellationToken);
            _store.Record(context.Incident.Id, playbook, action.Describe(), "incident", ActionOutcome.Done, by, $"{md}, {json}", _time.GetElapsedTime(started), approvalId);
        }
        catch (IOException ex)
        {
            _store.Record(context.Incident.Id, playbook, action.Describe(), "incident", ActionOutcome.Failed, by, ex.Message, _time.GetElapsedTime(started), approvalId);
        }
    }

    private async Task NotifyAsync(IncidentContext context, string playbook, string id, string by, long started, long? approvalId, CancellationToken cancellationToken)
    {
        // Built per receiver, when its turn comes: the actions it lists are those recorded by then.
        var alert = new IncidentAlert(_plant.Site.Id, context, playbook, _store.Actions(context.Incident.Id), _time.GetUtcNow());
        try
        {
            var where = await _notifiers[id].NotifyAsync(alert, cancellationToken);
            _store.Record(context.Incident.Id, playbook, "notify", id, ActionOutcome.Done, by, where, _time.GetElapsedTime(started), approvalId);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or HttpRequestException or TaskCanceledException)
        {
            LogActionFailed(_logger, ex, "notify " + id, playbook, context.Incident.Id);
            _store.Record(context.Incident.Id, playbook, "notify", id, ActionOutcome.Failed, by, ex.Message, _time.GetElapsedTime(started), approvalId);
        }
    }

    /// <summary>Appends a release to the report of the containment's incident (a failure is logged, not thrown).</summary>
    private async Task ReportReleaseAsync(QuarantineEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await _reports.AppendReleaseAsync(entry, _time.GetUtcNow(), cancellationToken);
        }
        catch (IOException ex)
        {
            LogActionFailed(_logger, ex, "report release", entry.By, entry.IncidentId ?? 0);
        }
    }

    private IEnumerable<WorkLane> Lanes() => _lanes.Values.Append(_reportLane);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Action {Action} of playbook {Playbook} on incident {IncidentId} failed")]
    private static partial void LogActionFailed(ILogger logger, Exception exception, string action, string playbook, long incidentId);
}

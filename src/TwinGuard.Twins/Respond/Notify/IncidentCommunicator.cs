using TwinGuard.Twins.Plant;
using Microsoft.Extensions.Logging;

namespace TwinGuard.Twins.Respond;

/// <summary>Tells people and systems about an incident: notifications (syslog CEF, webhook, ECS) and incident reports.</summary>
/// <remarks>Every notification and report is recorded in the store as an action, done or failed; a failure is logged and
/// never stops the respond stage.</remarks>
public sealed partial class IncidentCommunicator
{
    private readonly PlantModel _plant;
    private readonly Dictionary<string, INotifier> _notifiers;
    private readonly IncidentReportWriter _reports;
    private readonly ResponseStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

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
    }

    /// <summary>Runs a <c>notify</c> or <c>report</c> action of <paramref name="playbook"/> on the incident, recording each outcome.</summary>
    public Task CommunicateAsync(IncidentContext context, string playbook, PlaybookAction action, string by, long started, CancellationToken cancellationToken)
        => CommunicateAsync(context, playbook, action, by, started, approvalId: null, cancellationToken);

    /// <summary>As <see cref="CommunicateAsync(IncidentContext, string, PlaybookAction, string, long, CancellationToken)"/>, carrying out approval <paramref name="approvalId"/>: its records name it.</summary>
    public async Task CommunicateAsync(IncidentContext context, string playbook, PlaybookAction action, string by, long started, long? approvalId, CancellationToken cancellationToken)
    {
        var alert = new IncidentAlert(_plant.Site.Id, context, playbook, _store.Actions(context.Incident.Id), _time.GetUtcNow());
        if (action.Kind == ActionKind.Report)
        {
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

            return;
        }

        foreach (var id in action.Notifiers)
        {
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
    }

    /// <summary>Appends a release to the report of the containment's incident (a failure is logged, not thrown).</summary>
    public async Task ReportReleaseAsync(QuarantineEntry entry, CancellationToken cancellationToken)
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Action {Action} of playbook {Playbook} on incident {IncidentId} failed")]
    private static partial void LogActionFailed(ILogger logger, Exception exception, string action, string playbook, long incidentId);
}

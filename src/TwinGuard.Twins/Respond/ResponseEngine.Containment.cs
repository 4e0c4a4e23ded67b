using System.Globalization;
using Microsoft.Extensions.Logging;

namespace TwinGuard.Twins.Respond;

/// <summary>Putting stored containments in force (at start, or when the CLI adds one) and lifting them on release.</summary>
public sealed partial class ResponseEngine
{
    /// <summary>
    /// At start: every active containment back in force (a quarantine survives a restart of serve), the network table
    /// rebuilt with exactly the blocked addresses, and releases asked for while serve was down carried out.
    /// </summary>
    private async Task RestoreAsync(CancellationToken cancellationToken)
    {
        var active = _store.Quarantines();
        foreach (var entry in active.Where(e => e.Kind != QuarantineKind.Address))
        {
            await _containment.ApplyAsync(entry, cancellationToken, restoring: true);
            _applied.Add(entry.Id);
        }

        await _containment.InitializeNetworkAsync(active.Where(e => e.Kind == QuarantineKind.Address).Select(e => e.Target).ToList(), cancellationToken);
        foreach (var entry in active.Where(e => e.Kind == QuarantineKind.Address))
        {
            _applied.Add(entry.Id);
        }

        foreach (var entry in _store.ReleasedNotLifted())
        {
            await LiftAsync(entry, cancellationToken);
        }
    }

    /// <summary>
    /// Lifts a released containment; the serve that marks it lifted records who released it and why, and, when an
    /// operator released it (not its expiry), closes its incident.
    /// </summary>
    /// <remarks>
    /// A cluster's silos share one store and each lifts what it holds: claiming the lift first (a conditional update)
    /// makes one of them the one that records it, where two silos polling the same expiry at once both recorded it.
    /// An expiry ends one containment, not the incident: the docs promise that only an operator's release closes it
    /// (docs/playbooks.md), and the attacker coming back with the same step is contained again through the repeat.
    /// </remarks>
    private async Task LiftAsync(QuarantineEntry entry, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var claimed = _store.MarkLifted(entry.Id);
        string detail;
        try
        {
            detail = await _containment.LiftAsync(entry, cancellationToken);
        }
        catch when (claimed)
        {
            _store.UnmarkLifted(entry.Id); // still in force here: the next poll tries again and records it then
            throw;
        }

        _applied.Remove(entry.Id);
        if (!claimed)
        {
            return;
        }

        if (entry.IncidentId is { } incidentId && entry.ReleasedBy != ResponseStore.ExpiryActor)
        {
            // Released means the operator judged the incident handled: if the source misbehaves again, that is a new
            // incident and the playbooks run again, even within the correlation window.
            IncidentReleased?.Invoke(incidentId, _time.GetUtcNow());
        }

        _store.Record(entry.IncidentId, null, "release: " + ResponseStore.Name(entry.Kind), entry.Target, ActionOutcome.Released, entry.ReleasedBy ?? "unknown",
            string.Create(CultureInfo.InvariantCulture, $"quarantine {entry.Id} released: {entry.ReleaseReason}; {detail}"), _time.GetElapsedTime(started));
        // After the incident's report on the same lane, so the release is appended to it, not written before it.
        if (!_communicator.QueueReleaseReport(entry))
        {
            LogReleaseReportDropped(_logger, entry.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The release of quarantine {QuarantineId} is not appended to its incident report: the reports' lane is full or stopped")]
    private static partial void LogReleaseReportDropped(ILogger logger, long quarantineId);
}

using TwinGuard.Edge.Containment;
using TwinGuard.Edge.Uplink;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Edge.Pipeline;

/// <summary>
/// The edge's record stage: every finding goes into the edge's ledger and the outbox, then through the site's
/// correlation rules (<see cref="IncidentCorrelator"/>); an incident the edge opens or escalates is recorded and answered
/// by the playbooks at once, link or no link.
/// </summary>
internal sealed class EdgeRecorder(PlantModel plant, EvidenceSink evidence, LedgerRecorder ledger, EdgeOutbox outbox, EdgeContainer container, EdgeLog log)
{
    private readonly IncidentCorrelator _correlator = new(plant.Correlation);
    private long _findings;
    private long _incidents;

    /// <summary>Findings recorded since start.</summary>
    public long Findings => Interlocked.Read(ref _findings);

    /// <summary>Incidents the edge opened since start.</summary>
    public long Incidents => Interlocked.Read(ref _incidents);

    /// <summary>Drains the sink until it completes.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var refusals = DrainRefusalsAsync(cancellationToken);
        await foreach (var finding in evidence.Findings.ReadAllAsync(cancellationToken))
        {
            var id = Interlocked.Increment(ref _findings);
            var entry = ledger.RecordFinding(id, finding);
            outbox.EnqueueFinding(finding);
            var decision = _correlator.Observe(finding, id);
            if (decision.Escalated is { } escalated)
            {
                // A finding that raises an open incident's severity or adds a reason (replays on an asset whose stale
                // signals opened an incident a moment before) is answered by the playbooks that match the incident now,
                // as the site's respond stage does: answering only what opens an incident left such an attack uncontained.
                ledger.RecordEscalation(escalated, id, finding.Time);
                log.Info($"incident {escalated.Id} escalated ({escalated.Severity}): {finding.Reason.Name()} on {escalated.Scope}");
                await container.RespondAsync(escalated);
                continue;
            }

            if (decision.OpenScope is not { } scope)
            {
                continue;
            }

            var incident = new Incident(Interlocked.Increment(ref _incidents), finding.Time, scope, finding.AssetId, decision.DeviceId, decision.Severity,
                $"{finding.Reason.Name()} on {scope}: {finding.Message}", decision.Rule!, decision.Reasons)
            {
                Members = decision.Members,
                LedgerEntries = [entry],
            };
            _correlator.Opened(incident);
            ledger.RecordIncident(incident, decision.FindingIds);
            log.Info($"incident {incident.Id} ({incident.Severity}): {incident.Title}");
            await container.RespondAsync(incident);
        }

        await refusals;
    }

    // A refusal's finding carries what the ledger keeps (reason, detail, the payload's digest); the payload itself stays
    // out of the edge's memory and disk, which a flood could otherwise fill.
    private async Task DrainRefusalsAsync(CancellationToken cancellationToken)
    {
        await foreach (var _ in evidence.Refusals.ReadAllAsync(cancellationToken))
        {
        }
    }
}

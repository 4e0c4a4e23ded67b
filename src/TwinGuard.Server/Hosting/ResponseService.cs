using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// Starts the respond stage with the host: restores every containment before the broker takes connections, records
/// every action in the ledger, and tells the correlate stage when a release ends an incident.
/// </summary>
internal sealed class ResponseService(ResponseEngine engine, LedgerRecorder ledger, CorrelateStage correlate) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        engine.ActionRecorded += OnActionRecorded; // every action, approval and release
        engine.IncidentReleased += correlate.CloseReleased;
        await engine.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await engine.StopAsync(cancellationToken);
        engine.IncidentReleased -= correlate.CloseReleased;
        engine.ActionRecorded -= OnActionRecorded;
    }

    private void OnActionRecorded(ActionRecord action) => ledger.RecordAction(action);
}

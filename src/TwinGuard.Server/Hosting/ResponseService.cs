using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// Starts the respond stage with the host: restores every containment before the broker takes connections, records
/// every action in the ledger, tells the correlate stage when a release ends an incident, and forwards findings to the
/// SIEM when playbooks.yaml says so.
/// </summary>
internal sealed class ResponseService(ResponseEngine engine, LedgerRecorder ledger, CorrelateStage correlate, IServiceProvider services) : IHostedService, IDisposable
{
    private readonly FindingForwarder? _forwarder = services.GetService<FindingForwarder>();
    private readonly CancellationTokenSource _stopping = new();
    private Task _forwarding = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        engine.ActionRecorded += OnActionRecorded; // every action, approval and release
        engine.IncidentReleased += correlate.CloseReleased;
        var suppressions = services.GetRequiredService<SuppressionList>();
        foreach (var suppression in services.GetRequiredService<ResponseStore>().ActiveSuppressions())
        {
            suppressions.Add(suppression); // analysts' rulings survive a restart
        }

        var tuning = services.GetRequiredService<TwinGuard.Twins.Detect.DetectorTuning>();
        foreach (var raised in services.GetRequiredService<ResponseStore>().ThresholdRaises())
        {
            tuning.Set(raised.AssetId, raised.SignalId, raised.Factor);
        }

        foreach (var window in services.GetRequiredService<ResponseStore>().LearningExclusions())
        {
            tuning.Exclude(window.AssetId, window.FromMs, window.ToMs); // confirmed attacks stay unlearned after a restart
        }

        if (_forwarder is not null)
        {
            correlate.FindingAdmitted += _forwarder.Observe;
            _forwarding = Task.Run(() => _forwarder.RunAsync(_stopping.Token), CancellationToken.None);
        }

        await engine.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_forwarder is not null)
        {
            correlate.FindingAdmitted -= _forwarder.Observe;
            await _stopping.CancelAsync();
            await _forwarding.WaitAsync(cancellationToken);
        }

        await engine.StopAsync(cancellationToken);
        engine.IncidentReleased -= correlate.CloseReleased;
        engine.ActionRecorded -= OnActionRecorded;
    }

    public void Dispose() => _stopping.Dispose();

    private void OnActionRecorded(ActionRecord action) => ledger.RecordAction(action);
}

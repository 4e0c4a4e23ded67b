using TwinGuard.Ingest.Mqtt;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Twin;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Server.Hosting;

/// <summary>Starts the data path after the silo is up and stops it in order, so that nothing in flight is lost.</summary>
/// <remarks>
/// Stopping: the broker stops taking messages, the dispatcher delivers what it holds to the twins (the silo is still
/// up), the gate summarises its open refusal windows, the evidence sink closes, and the correlate stage decides what remains and the record stage writes it. The
/// ledger is closed later, once the respond stage has stopped too (<see cref="LedgerClosingService"/>).
/// </remarks>
internal sealed class PipelineService(
    HostSettings settings, IServiceProvider services, TwinDispatcher dispatcher, EvidenceSink evidence, CorrelateStage correlate, RecordStage record, LedgerRecorder ledger)
    : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _correlating = Task.CompletedTask;
    private Task _recording = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<SiteHealth>(); // watches the ledger and the stores from the first reading on
        services.GetRequiredService<SequenceStore>().FlushEvery(settings.Time, SequenceStore.FlushPeriod);
        if (settings.PlantSource is { } source)
        {
            ledger.RecordConfiguration(source, await File.ReadAllBytesAsync(source, cancellationToken));
        }

        if (settings.PlaybooksSource is { } playbooks)
        {
            ledger.RecordPlaybooks(playbooks, await File.ReadAllBytesAsync(playbooks, cancellationToken));
        }

        _recording = Task.Run(record.RunAsync, CancellationToken.None);
        _correlating = Task.Run(() => correlate.RunAsync(_stopping.Token), CancellationToken.None);
        if (settings.ExternalBroker is null)
        {
            await services.GetRequiredService<EmbeddedBroker>().StartAsync();
        }
        else
        {
            await services.GetRequiredService<ExternalBroker>().StartAsync(cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (settings.ExternalBroker is null)
        {
            await services.GetRequiredService<EmbeddedBroker>().DisposeAsync();
        }
        else
        {
            await services.GetRequiredService<ExternalBroker>().StopAsync(cancellationToken);
        }

        await dispatcher.DisposeAsync();
        services.GetRequiredService<ReadingGate>().CloseRefusalSummaries(); // a flood's last window, summarised before the sink closes
        evidence.Complete();
        await _correlating.WaitAsync(cancellationToken);
        await _recording.WaitAsync(cancellationToken); // the ledger closes after the respond stage (LedgerClosingService)
    }

    public void Dispose() => _stopping.Dispose();
}

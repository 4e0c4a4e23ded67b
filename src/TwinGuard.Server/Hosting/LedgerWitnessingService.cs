using TwinGuard.Ledger;
using TwinGuard.Ledger.Witnessing;

namespace TwinGuard.Server.Hosting;

/// <summary>Sends each new checkpoint to the configured witnesses (off the append path) and keeps their cosignatures.</summary>
internal sealed partial class LedgerWitnessingService(HostSettings settings, LedgerWriter ledger, ILogger<LedgerWitnessingService> logger)
    : IHostedService, IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private CheckpointWitnessing? _witnessing;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.Witnesses.Count > 0)
        {
            _witnessing = new CheckpointWitnessing(ledger, settings.Witnesses, _http);
            _witnessing.Problem += problem => WitnessProblem(logger, problem);
            _witnessing.Start();
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_witnessing is not null)
        {
            await _witnessing.DisposeAsync();
            _witnessing = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _http.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ledger witnessing: {Problem}")]
    private static partial void WitnessProblem(ILogger logger, string problem);
}

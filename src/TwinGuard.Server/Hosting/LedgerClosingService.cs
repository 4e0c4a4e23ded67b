using TwinGuard.Ledger;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// Closes the site's ledger (flush and a final signed checkpoint) once every stage that writes to it has stopped.
/// </summary>
/// <remarks>
/// Hosted services stop in the reverse order of their registration, so this one is registered first of all: the
/// pipeline drains its last findings and incidents, the respond stage stops and records its last actions, and only
/// then does the ledger close. (The pipeline used to close it, before the respond stage had stopped: an action
/// recorded while serve stopped met a disposed ledger.)
/// </remarks>
internal sealed class LedgerClosingService(LedgerWriter ledger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await ledger.DisposeAsync();
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TwinGuard.Server.Hosting;
using TwinGuard.Server.Tests.Api;

namespace TwinGuard.Server.Tests.Hosting;

/// <summary>
/// Serve stops its stages in the reverse order of their start, and the ledger closes last: the respond stage's last
/// actions (drained from its queue while it stops) once met a ledger the pipeline had already closed.
/// </summary>
public sealed class StopOrderTests
{
    [Fact]
    public async Task HostedServices_Registered_LedgerClosesAfterRespondAndPipelineStop()
    {
        await using var site = new TwinGuardSiteFactory();

        var order = site.Services.GetServices<IHostedService>().Select(s => s.GetType().Name).ToList();
        int closing = order.IndexOf(nameof(LedgerClosingService)), respond = order.IndexOf(nameof(ResponseService)), pipeline = order.IndexOf(nameof(PipelineService));

        Assert.True(closing >= 0 && respond >= 0 && pipeline >= 0, $"hosted services: {string.Join(", ", order)}");
        Assert.True(closing < respond && respond < pipeline, $"stop order is the reverse of: {string.Join(", ", order)}");
    }
}

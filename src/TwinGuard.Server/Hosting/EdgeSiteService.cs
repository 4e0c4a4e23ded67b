using TwinGuard.Ingest.Mqtt;
using TwinGuard.Twins.Edge.Site;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// Connects the edges to the site: the broker hands edge messages to <see cref="EdgeSite"/> and sends its answers down,
/// and every containment the respond stage puts in force or lifts is sent to the edges, so a decision of the site
/// reaches the gateways beside the devices.
/// </summary>
internal sealed partial class EdgeSiteService(EdgeSite edges, EmbeddedBroker broker, ResponseEngine engine, ResponseStore store, ILogger<EdgeSiteService> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        edges.SendDown = broker.SendToEdgeAsync;
        edges.ActiveContainments = () => [.. store.Quarantines().Select(EdgeSite.ContainmentOf).OfType<Twins.Edge.EdgeContainment>()];
        broker.Edges = edges;
        engine.ActionRecorded += OnActionRecorded;
        LogEdges(logger, edges.Edges.Count(), edges.WitnessKey.VerifierKey);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        engine.ActionRecorded -= OnActionRecorded;
        broker.Edges = null;
        return Task.CompletedTask;
    }

    private void OnActionRecorded(ActionRecord action)
    {
        if (EdgeSite.ContainmentOf(action) is { } containment)
        {
            _ = SendAsync(containment);
        }
    }

    private async Task SendAsync(Twins.Edge.EdgeContainment containment)
    {
        try
        {
            await edges.ContainAsync(containment, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSendFailed(logger, ex, containment.Action, containment.Target, containment.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Edges: {Count} declared; their checkpoints are cosigned with {WitnessKey}")]
    private static partial void LogEdges(ILogger logger, int count, string witnessKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Edges: {Action} {Target} {Id} could not be sent down")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string action, string target, string id);
}

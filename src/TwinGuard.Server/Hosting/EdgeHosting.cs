using TwinGuard.Twins.Edge.Site;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;

namespace TwinGuard.Server.Hosting;

/// <summary>Registers the site's side of its edge agents when the plant model declares any (devices with <c>edge:</c>).</summary>
internal static class EdgeHosting
{
    /// <summary>Adds <see cref="EdgeSite"/> and the service that connects it to the broker and the respond stage.</summary>
    public static IServiceCollection AddEdges(this IServiceCollection services, HostSettings settings)
    {
        if (!settings.Plant.Devices.Any(d => d.EdgeLedgerKey is not null))
        {
            return services;
        }

        services.AddSingleton(sp => new EdgeSite(settings.Plant, sp.GetRequiredService<EvidenceSink>(), settings.DataDirectory, settings.Time)
        {
            // Forwarded readings reach the site's twins as a directly connected device's do (docs/edge.md).
            Readings = new ForwardedReadings(sp.GetRequiredService<ReadingGate>(), sp.GetRequiredService<ITwinInbox>()),
        });
        services.AddHostedService<EdgeSiteService>();
        return services;
    }
}

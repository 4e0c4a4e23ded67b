using TwinGuard.Intel.Correlation;
using TwinGuard.Intel.Feeds;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;

namespace TwinGuard.Server.Hosting;

/// <summary>Registers threat intelligence: the feeds imported into the data directory, the monitor and its adapter.</summary>
internal static class IntelHosting
{
    /// <summary>
    /// Adds the <see cref="FeedRefresher"/> (loaded from <c>intel/feeds</c>), the <see cref="IntelMonitor"/> (following
    /// <see cref="HostSettings.NetworkLogs"/>), the <see cref="IntelAdapter"/> the correlate stage asks, and the service
    /// that runs the monitor's loop.
    /// </summary>
    public static IServiceCollection AddIntel(this IServiceCollection services, HostSettings settings)
    {
        services.AddSingleton(sp =>
        {
            var store = new FeedStore(Path.Combine(settings.DataDirectory, "intel"));
            var feeds = store.List();
            var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("TwinGuard.Intel");
            foreach (var (source, _) in feeds)
            {
                if (source.OptIns is { } optIns)
                {
                    IntelService.FeedOptIn(log, source.Id, source.Location, optIns);
                }
            }

            var refresher = new FeedRefresher(feeds.Select(f => f.Source), FeedHttp.CreateClient(TimeSpan.FromSeconds(60)), new FeedRefresherOptions { TimeProvider = settings.Time }, store);
            refresher.LoadStored();
            return refresher;
        });
        services.AddSingleton(sp =>
        {
            var refresher = sp.GetRequiredService<FeedRefresher>();
            var correlator = new IntelCorrelator(() => refresher.Index, new IntelCorrelatorOptions
            {
                TimeProvider = settings.Time,
                ResolveAddress = address => IntelAdapter.Resolve(settings.Plant, address),
            });
            return new IntelMonitor(refresher, correlator, new IntelMonitorOptions
            {
                SightingLogPath = Path.Combine(settings.DataDirectory, "intel", "sightings.jsonl"),
                NetworkLogs = settings.NetworkLogs,
                TimeProvider = settings.Time,
            });
        });
        services.AddSingleton(sp => new IntelAdapter(
            sp.GetRequiredService<IntelMonitor>(), sp.GetRequiredService<ReadingGate>(), sp.GetRequiredService<EvidenceSink>()));
        services.AddHostedService<IntelService>();
        return services;
    }
}

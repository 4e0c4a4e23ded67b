using TwinGuard.Intel.Correlation;
using TwinGuard.Intel.Feeds;
using TwinGuard.Intel.Index;
using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// Runs the <see cref="IntelMonitor"/>'s loop (feed refreshes, network logs) with the host, and keeps the detectors'
/// sensitivity in step with the feeds: feeds that name an asset (by id, kind or tag) as a campaign's target make its
/// detectors more sensitive.
/// </summary>
internal sealed partial class IntelService(IntelMonitor monitor, FeedRefresher refresher, DetectionSensitivity sensitivity, PlantModel plant) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        refresher.IndexChanged += OnIndexChanged;
        UpdateSensitivity();
        _running = Task.Run(() => monitor.RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        refresher.IndexChanged -= OnIndexChanged;
        await _stopping.CancelAsync();
        try
        {
            await _running.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose() => _stopping.Dispose();

    private void OnIndexChanged(object? sender, IocIndex index) => UpdateSensitivity();

    private void UpdateSensitivity()
    {
        foreach (var asset in plant.Assets)
        {
            sensitivity.Set(asset.Id, monitor.Correlator.SensitivityFactor(asset.Id, asset.Kind, asset.Tags));
        }
    }

    /// <summary>Logs a feed's explicit opt-in beyond the default fetch limits (at every start, so it is never forgotten).</summary>
    [LoggerMessage(Level = LogLevel.Warning, Message = "intel feed {Feed} ({Location}) may use {OptIns}: opted in at import")]
    public static partial void FeedOptIn(ILogger logger, string feed, string location, string optIns);
}

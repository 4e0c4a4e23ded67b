using System.Threading.Channels;
using TwinGuard.Twins.Cluster;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Hosting.Cluster;

/// <summary>
/// Makes this silo's quarantine list one with the cluster's (docs/cluster.md): what is decided here is published to the
/// site's <see cref="IClusterQuarantineGrain"/>, and what other silos decide is applied here, with the device's
/// connections to this silo's broker dropped. A long poll: a change reaches the other silos as soon as it is durable.
/// </summary>
/// <remarks>
/// A change that cannot be published (the grain's silo just died) is retried until it is: a quarantine is never
/// dropped. The queue of changes not yet published is bounded (<see cref="MaxQueued"/>); beyond it a change stays in
/// force here and in this silo's store but does not reach the others, and is counted.
/// </remarks>
internal sealed partial class ClusterQuarantineService(
    IGrainFactory grains, QuarantineList quarantine, IBrokerEnforcement broker, HostSettings settings, ILogger<ClusterQuarantineService> logger)
    : BackgroundService
{
    /// <summary>Most changes waiting to be published.</summary>
    public const int MaxQueued = 4096;

    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(250);

    /// <summary>How long one wait for changes may last (the grain answers at once when one arrives).</summary>
    private static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(15);
    private readonly Channel<QuarantineChange> _outgoing = Channel.CreateBounded<QuarantineChange>(new BoundedChannelOptions(MaxQueued) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private long _notPublished;
    private long _applied;

    /// <summary>This process, as the origin of the changes it publishes.</summary>
    public string Origin { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Changes that did not fit the queue.</summary>
    public long NotPublished => Interlocked.Read(ref _notPublished);

    /// <summary>Changes from other silos applied here.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    private IClusterQuarantineGrain Grain => grains.GetGrain<IClusterQuarantineGrain>(settings.Plant.Site.Id);

    /// <summary>Passes a change decided here on to the cluster.</summary>
    public void Publish(QuarantineChangeKind kind, string target)
    {
        if (!_outgoing.Writer.TryWrite(new QuarantineChange(kind, target, Origin, settings.Time.GetUtcNow().ToUnixTimeMilliseconds())))
        {
            Interlocked.Increment(ref _notPublished);
            NotQueued(logger, kind, target);
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        quarantine.ChangedLocally += Publish;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        quarantine.ChangedLocally -= Publish;
        await base.StopAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(PublishLoopAsync(stoppingToken), ReceiveLoopAsync(stoppingToken));

    private async Task PublishLoopAsync(CancellationToken stoppingToken)
    {
        var batch = new List<QuarantineChange>();
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < 256 && _outgoing.Reader.TryRead(out var change))
                {
                    batch.Add(change);
                }

                while (true)
                {
                    try
                    {
                        await Grain.PublishAsync([.. batch]).WaitAsync(stoppingToken);
                        break;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        PublishFailed(logger, batch.Count, ex.Message);
                        await Task.Delay(Retry, settings.Time, stoppingToken);
                    }
                }

                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken stoppingToken)
    {
        var version = 0L;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                QuarantineUpdate update;
                try
                {
                    update = await Grain.WaitForChangesAsync(version, LongPoll).WaitAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    ReceiveFailed(logger, ex.Message);
                    await Task.Delay(Retry, settings.Time, stoppingToken);
                    continue;
                }

                foreach (var change in update.Changes.Where(c => c.Origin != Origin))
                {
                    await ApplyAsync(change, stoppingToken);
                }

                version = update.Version;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task ApplyAsync(QuarantineChange change, CancellationToken cancellationToken)
    {
        try
        {
            quarantine.Apply(change.Kind, change.Target);
            if (change.Kind is QuarantineChangeKind.AddDevice or QuarantineChangeKind.RevokeCredentials or QuarantineChangeKind.Disconnect
                && settings.Plant.FindDevice(change.Target) is not null)
            {
                // The list refuses its next connection and publication here; its connections to this silo's broker go now.
                await broker.DisconnectAsync(change.Target, cancellationToken);
            }

            Interlocked.Increment(ref _applied);
        }
        catch (ArgumentException ex)
        {
            BadChange(logger, change.Kind, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "cluster quarantine: {Kind} of '{Target}' not passed on to the other silos (more than 4096 changes waiting)")]
    private static partial void NotQueued(ILogger logger, QuarantineChangeKind kind, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster quarantine: publishing {Count} change(s) failed, retrying: {Error}")]
    private static partial void PublishFailed(ILogger logger, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster quarantine: waiting for changes failed, retrying: {Error}")]
    private static partial void ReceiveFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster quarantine: a {Kind} change refused: {Error}")]
    private static partial void BadChange(ILogger logger, QuarantineChangeKind kind, string error);
}

using Microsoft.Extensions.Logging;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Respond;

/// <summary>
/// Sends every finding that a <see cref="ForwardRule"/> selects to its SIEM notifier, at least once: each is rendered
/// and put in the notifier's <see cref="ForwardQueue"/> on disk as it is admitted, and a loop per notifier delivers the
/// queue in order, retrying with back-off while the SIEM is down. Each round hands the notifier a run of up to its
/// <see cref="INotifier.Window"/> messages from the head (peeked, not taken) and advances the queue by as many as it
/// took, so a message leaves the queue only once it and every one before it were delivered.
/// </summary>
/// <remarks>
/// <see cref="Observe"/> runs on the correlate stage's loop and only appends to a file; delivery never holds it up.
/// Findings are forwarded once per admitted finding (repeats fold into it), so a flood is one message, not a million.
/// </remarks>
public sealed partial class FindingForwarder : IDisposable
{
    /// <summary>The default bound of each notifier's queue on disk.</summary>
    public const long DefaultQueueBytes = 64L * 1024 * 1024;

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<ForwardRule> _rules;
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly string _site;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Opens a queue under <c>DIRECTORY/NOTIFIER</c> for every notifier a rule of <paramref name="plan"/> names.</summary>
    public FindingForwarder(ResponsePlan plan, IEnumerable<INotifier> notifiers, string site, string directory, TimeProvider time, ILogger<FindingForwarder> logger,
        long maxQueueBytes = DefaultQueueBytes, TimeSpan? maxAge = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _rules = plan.Forwarding;
        _site = site;
        _time = time;
        _logger = logger;
        var byId = notifiers.ToDictionary(n => n.Id, StringComparer.Ordinal);
        foreach (var id in _rules.Select(r => r.Notifier).Distinct(StringComparer.Ordinal))
        {
            var notifier = byId.TryGetValue(id, out var n) ? n : throw new InvalidDataException($"notifier '{id}' is named by forward: but was not created");
            _lanes[id] = new Lane(notifier, new ForwardQueue(directory, id, maxQueueBytes, time, maxAge));
        }
    }

    /// <summary>Each notifier's queue: messages waiting, delivered since start, dropped because the queue was full.</summary>
    public IReadOnlyList<(string Notifier, long Depth, long Delivered, long Dropped)> Status
    {
        get
        {
            var status = new List<(string, long, long, long)>(_lanes.Count);
            foreach (var (id, lane) in _lanes)
            {
                lock (lane.Queue)
                {
                    status.Add((id, lane.Queue.Depth, lane.Queue.Delivered, lane.Queue.Dropped));
                }
            }

            return status;
        }
    }

    /// <summary>An admitted finding (the correlate stage's <c>FindingAdmitted</c>): queued for every rule that selects it.</summary>
    public void Observe(long id, Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        foreach (var rule in _rules)
        {
            if (!rule.Matches(finding) || !_lanes.TryGetValue(rule.Notifier, out var lane))
            {
                continue;
            }

            bool queued;
            lock (lane.Queue)
            {
                queued = lane.Queue.TryEnqueue(lane.Notifier.Render(new ForwardedFinding(_site, id, finding)));
            }

            if (queued)
            {
                lane.Wake();
            }
            else
            {
                LogDropped(_logger, rule.Notifier, id);
            }
        }
    }

    /// <summary>Delivers every queue until <paramref name="cancellationToken"/> fires.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => Task.WhenAll(_lanes.Values.Select(l => DeliverAsync(l, cancellationToken)));

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var lane in _lanes.Values)
        {
            lock (lane.Queue)
            {
                lane.Queue.Dispose();
            }
        }
    }

    private async Task DeliverAsync(Lane lane, CancellationToken cancellationToken)
    {
        var retry = FirstRetry;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                IReadOnlyList<string> run;
                lock (lane.Queue)
                {
                    run = lane.Queue.Peek(lane.Notifier.Window);
                }

                if (run.Count == 0)
                {
                    await lane.WaitAsync(cancellationToken);
                    continue;
                }

                int delivered;
                try
                {
                    delivered = await lane.Notifier.DeliverRunAsync(run, cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or HttpRequestException or TaskCanceledException
                                               && !cancellationToken.IsCancellationRequested)
                {
                    LogRetrying(_logger, ex, lane.Notifier.Id, retry.TotalSeconds);
                    await Task.Delay(retry, _time, cancellationToken);
                    retry = retry * 2 < LastRetry ? retry * 2 : LastRetry;
                    continue;
                }

                retry = FirstRetry;
                lock (lane.Queue)
                {
                    // Only the prefix the target took: what it did not answer stays at the head and goes again.
                    lane.Queue.Advance(delivered);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: what is left stays queued for the next start.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding to {Notifier} failed; retrying in {Seconds} s")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string notifier, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "The forwarding queue of {Notifier} is full: finding {FindingId} was not queued")]
    private static partial void LogDropped(ILogger logger, string notifier, long findingId);

    /// <summary>One notifier, its queue, and the signal that wakes its delivery loop.</summary>
    private sealed class Lane(INotifier notifier, ForwardQueue queue)
    {
        private readonly SemaphoreSlim _signal = new(0, 1);

        public INotifier Notifier { get; } = notifier;

        public ForwardQueue Queue { get; } = queue;

        public void Wake()
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already awake.
            }
        }

        public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);
    }
}

using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Api;

/// <summary>
/// The live feed behind <c>GET /api/events</c>: a <c>state</c> event every second while anyone listens (assets,
/// pending approvals, quarantines), and <c>finding</c>, <c>incident</c> and <c>action</c> events as the correlate and
/// respond stages produce them.
/// </summary>
/// <remarks>
/// Each listener has a small bounded queue that drops its oldest events when the listener is slow: a stalled browser
/// never holds up the correlate stage, whose thread raises the events. The next <c>state</c> event brings it up to date.
/// The events are serialized on each listener's own stream, not on the thread that raises them: that thread is the
/// correlate stage's, on the way from a finding to its containment, and with nobody listening nothing is serialized.
/// </remarks>
internal sealed partial class LiveEvents(
    CorrelateStage correlate, ResponseEngine engine, WriteRecorder writes, PlantView view, TimeProvider time,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, IHostApplicationLifetime lifetime, ILogger<LiveEvents> logger)
    : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<Channel<SseItem<object>>, byte> _listeners = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly JsonSerializerOptions _json = json.Value.SerializerOptions;
    private Task _ticking = Task.CompletedTask;

    /// <summary>Listeners connected now.</summary>
    public int Listeners => _listeners.Count;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        correlate.FindingAdmitted += OnFindingAdmitted;
        correlate.IncidentOpened += OnIncidentOpened;
        correlate.IncidentEscalated += OnIncidentEscalated;
        engine.ActionRecorded += OnAction;
        writes.Store.ActionRecorded += OnAction;
        _ticking = Task.Run(TickAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        correlate.FindingAdmitted -= OnFindingAdmitted;
        correlate.IncidentOpened -= OnIncidentOpened;
        correlate.IncidentEscalated -= OnIncidentEscalated;
        engine.ActionRecorded -= OnAction;
        writes.Store.ActionRecorded -= OnAction;
        await _stopping.CancelAsync();
        foreach (var listener in _listeners.Keys)
        {
            listener.Writer.TryComplete();
        }

        await _ticking.WaitAsync(cancellationToken);
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>The events for one listener, starting with the current state, until it disconnects or the host stops.</summary>
    public async IAsyncEnumerable<SseItem<string>> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<SseItem<object>>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _listeners[channel] = 0;
        try
        {
            yield return Serialize(await StateAsync());
            // Streams end as soon as the host starts stopping: the server waits for open requests before the data path stops.
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token, lifetime.ApplicationStopping);
            while (true)
            {
                SseItem<object> item;
                try
                {
                    if (!await channel.Reader.WaitToReadAsync(linked.Token) || !channel.Reader.TryRead(out item))
                    {
                        yield break;
                    }
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }

                yield return Serialize(item);
            }
        }
        finally
        {
            _listeners.TryRemove(channel, out _);
        }
    }

    private async Task<SseItem<object>> StateAsync()
    {
        var assets = await view.AssetsAsync();
        var (approvals, quarantines) = writes.Read(s => (s.Approvals(), s.Quarantines()));
        return Item("state", new { site = view.Site(assets), assets, approvals, quarantines, time = time.GetUtcNow() });
    }

    private async Task TickAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                if (_listeners.IsEmpty)
                {
                    continue;
                }

                try
                {
                    Publish(await StateAsync());
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failed snapshot (a grain call during shutdown) must not end the feed; the next tick tries again.
                    LogStateFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnFindingAdmitted(long id, Finding f) => Publish("finding", () => new
    {
        id,
        time = f.Time,
        reason = f.Reason.Name(),
        severity = f.Severity,
        asset = f.AssetId,
        signal = f.SignalId,
        device = f.DeviceId,
        value = f.Value,
        message = f.Message,
    });

    private void OnIncidentOpened(Incident i) => Publish("incident", () => IncidentData(i, escalated: false));

    /// <summary>An open incident whose severity rose or which gained a reason: the same event type, marked escalated.</summary>
    private void OnIncidentEscalated(Incident i) => Publish("incident", () => IncidentData(i, escalated: true));

    private static object IncidentData(Incident i, bool escalated) => new
    {
        id = i.Id,
        opened = i.Opened,
        scope = i.Scope,
        asset = i.AssetId,
        severity = i.Severity,
        title = i.Title,
        rule = i.Rule,
        reasons = i.Reasons.Select(r => r.Name()).ToArray(),
        stage = i.Stage,
        escalated,
    };

    private void OnAction(ActionRecord action) => Publish("action", () => action);

    private SseItem<object> Item(string type, object data) => new(data, type);

    /// <summary>The event as the stream sends it: its data as JSON (by its runtime type), on the listener's thread.</summary>
    private SseItem<string> Serialize(SseItem<object> item) => new(JsonSerializer.Serialize(item.Data, item.Data.GetType(), _json), item.EventType);

    /// <summary>Queues an event for every listener; <paramref name="data"/> is not even built when nobody listens.</summary>
    private void Publish(string type, Func<object> data)
    {
        if (!_listeners.IsEmpty)
        {
            Publish(Item(type, data()));
        }
    }

    private void Publish(SseItem<object> item)
    {
        foreach (var listener in _listeners.Keys)
        {
            listener.Writer.TryWrite(item);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The live state snapshot failed")]
    private static partial void LogStateFailed(ILogger logger, Exception exception);
}

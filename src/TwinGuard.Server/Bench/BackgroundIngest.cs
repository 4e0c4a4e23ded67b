using System.Diagnostics;
using System.Globalization;
using System.Text;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Bench;

/// <summary>
/// Readings at a steady rate into a running site while another benchmark measures something else (DESIGN.md: lockdown
/// under 1 ms at p99 <em>while ingesting</em> 10k msgs/s): one extra asset of four signals and a device for it, fed
/// through the gate as a transport would, on a thread of its own.
/// </summary>
/// <remarks>
/// Paced by the millisecond: each millisecond it sends what has fallen due, as a network delivers bursts, instead of
/// spinning a core between messages (the machine has two). Each payload carries the current time, so none is refused
/// as late however long the run.
/// </remarks>
internal sealed class BackgroundIngest : IAsyncDisposable
{
    private const string AssetId = "bench-load";
    private const string DeviceId = "bench-load-pub";

    private readonly ReadingGate _gate;
    private readonly double _rate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _sent;

    private BackgroundIngest(ReadingGate gate, double rate)
    {
        (_gate, _rate) = (gate, rate);
        _loop = Task.Factory.StartNew(Loop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Messages per second actually sent so far.</summary>
    public double Rate => Interlocked.Read(ref _sent) / _clock.Elapsed.TotalSeconds;

    /// <summary>
    /// <paramref name="plant"/> with the load's asset and device, and a flood factor that lets the rate through (the
    /// point is the load, not the flood guard).
    /// </summary>
    public static PlantModel AddTo(PlantModel plant)
    {
        var signals = new[] { "a", "b", "c", "d" }
            .Select(id => new SignalModel(id, "u", 0, 100, 1e9, TimeSpan.FromMilliseconds(1), Criticality.Medium))
            .ToList();
        return plant with
        {
            Validation = plant.Validation with { FloodFactor = Math.Max(plant.Validation.FloodFactor, 1e6) },
            Assets = [.. plant.Assets, new AssetModel(AssetId, "Benchmark load", "bench", [], signals)],
            Devices = [.. plant.Devices, new DeviceModel(DeviceId, DeviceId, PasswordHash.Create("bench-load", 1000), [$"{plant.Site.TopicPrefix}/{AssetId}"])],
        };
    }

    /// <summary>Starts sending <paramref name="rate"/> messages a second through <paramref name="gate"/>.</summary>
    public static BackgroundIngest Start(ReadingGate gate, double rate) => new(gate, rate);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private void Loop()
    {
        var source = new SourceInfo(_gate.Plant.FindDevice(DeviceId)!, "bench-load", "127.0.0.1:0");
        var topic = $"{_gate.Plant.Site.TopicPrefix}/{AssetId}";
        var random = new Random(7);
        while (!_stop.IsCancellationRequested)
        {
            var due = (long)(_clock.Elapsed.TotalSeconds * _rate);
            for (var seq = Interlocked.Read(ref _sent); seq < due; seq++)
            {
                var payload = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                    $$$"""{"ts":{{{_gate.Time.GetUtcNow().ToUnixTimeMilliseconds()}}},"seq":{{{seq}}},"values":{"a":{{{50 + random.NextDouble():F3}}},"b":{{{20 + random.NextDouble():F3}}},"c":{{{5 + random.NextDouble():F3}}},"d":{{{0.5 + (random.NextDouble() / 10):F4}}}}}"""));
                var admitted = _gate.AdmitAsync(source, topic, payload, _gate.Time.GetTimestamp());
                if (!admitted.IsCompletedSuccessfully)
                {
                    admitted.AsTask().GetAwaiter().GetResult(); // back-pressure from a full lane
                }

                Interlocked.Increment(ref _sent);
            }

            Thread.Sleep(1);
        }
    }
}

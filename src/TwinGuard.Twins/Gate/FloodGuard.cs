using System.Collections.Concurrent;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Gate;

/// <summary>
/// A token bucket per (device, asset), sized from the plant model: a device may send at most
/// <see cref="ValidationSettings.FloodFactor"/> times the values per second its signals' periods imply.
/// </summary>
/// <remarks>
/// Refusing the excess at the gate is what keeps a flood from one source from delaying the others: nothing past the
/// gate is spent on it. The bucket holds two seconds of the allowed rate, so ordinary jitter and bursts pass.
/// Once a bucket is empty, <see cref="IsFlooding"/> refuses the device's next messages to that asset before they are
/// parsed, and says how long the transport should stop reading from the flooder (<see cref="MinHold"/> to
/// <see cref="MaxHold"/>): its own socket then holds the flood, and the others' messages do not queue behind it.
/// </remarks>
public sealed class FloodGuard
{
    /// <summary>Shortest time a flooder's connection is left unread after a refusal for flooding.</summary>
    public static readonly TimeSpan MinHold = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest such time, so a reload, a quarantine or a disconnect is acted on soon.</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a flood may go on (refusals for flooding without the device's bucket filling up again in between)
    /// before the transport cuts the flooder off: closes its connection and refuses its reconnections.
    /// </summary>
    /// <remarks>
    /// Holding a connection costs the broker nothing, but not the machine: a client that never blocks (it queues what
    /// the socket does not take, as <c>mosquitto_pub -l</c> does) keeps burning CPU beside everyone else. A second of
    /// refusals tells a flood from a burst (the bucket already lets two seconds of the allowed rate through).
    /// </remarks>
    public static readonly TimeSpan SustainedAfter = TimeSpan.FromSeconds(1);

    /// <summary>How long a device cut off for flooding has its connections refused (unless a quarantine decides longer)
    /// when the plant model does not say (<see cref="ValidationSettings.FloodCutOff"/>).</summary>
    public static TimeSpan CutOffFor => ValidationSettings.DefaultFloodCutOff;

    private readonly ConcurrentDictionary<string, long> _cutOffUntil = new(StringComparer.Ordinal);
    private readonly PlantModelSource _plant;
    private Buckets _buckets;
    private readonly TimeProvider _time;

    /// <summary>Buckets sized from the model in force in <paramref name="plant"/>; a reload resizes them.</summary>
    public FloodGuard(PlantModelSource plant, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(plant);
        (_plant, _time) = (plant, time);
        _buckets = new Buckets(plant.Current);
    }

    /// <summary>Takes <paramref name="values"/> tokens; false when the device is flooding this asset.</summary>
    public bool TryAdmit(string deviceId, AssetModel asset, int values) => BucketOf(deviceId, asset).TryTake(Math.Max(1, values), out _);

    /// <summary>
    /// A check that costs no parsing: true when the device's bucket for <paramref name="asset"/> has not one token
    /// left, so that any message it sends there now is a flood; <paramref name="hold"/> is how long to stop reading from
    /// it (until the bucket holds a token again, within <see cref="MinHold"/> and <see cref="MaxHold"/>).
    /// </summary>
    /// <param name="deviceId">The sending device.</param>
    /// <param name="asset">The asset it sends to.</param>
    /// <param name="hold">How long to stop reading from it; zero when it is not flooding.</param>
    /// <param name="sustained">
    /// True when this flood has gone on for <see cref="SustainedAfter"/> and the plant model cuts flooders off: the
    /// device is then cut off (see <see cref="IsCutOff"/>) and the transport should close its connection.
    /// </param>
    public bool IsFlooding(string deviceId, AssetModel asset, out TimeSpan hold, out bool sustained)
    {
        var bucket = BucketOf(deviceId, asset);
        var flooding = !bucket.HasToken(out var refill);
        hold = flooding ? HoldFor(refill) : TimeSpan.Zero;
        sustained = flooding && Sustained(deviceId, bucket);
        return flooding;
    }

    /// <summary>
    /// For a message refused by <see cref="TryAdmit"/>: how long to stop reading from the device, and whether its flood
    /// has gone on for <see cref="SustainedAfter"/> (it is then cut off).
    /// </summary>
    public TimeSpan HoldAfterRefusal(string deviceId, AssetModel asset, out bool sustained)
    {
        var bucket = BucketOf(deviceId, asset);
        bucket.HasToken(out var refill);
        sustained = Sustained(deviceId, bucket);
        return HoldFor(refill);
    }

    /// <summary>True while <paramref name="deviceId"/> is cut off for a sustained flood; <paramref name="left"/> is how much longer.</summary>
    public bool IsCutOff(string deviceId, out TimeSpan left)
    {
        left = TimeSpan.Zero;
        if (_cutOffUntil.IsEmpty || !_cutOffUntil.TryGetValue(deviceId, out var until))
        {
            return false;
        }

        var now = _time.GetTimestamp();
        if (now >= until)
        {
            _cutOffUntil.TryRemove(new KeyValuePair<string, long>(deviceId, until)); // bounded by the plant's devices
            return false;
        }

        left = _time.GetElapsedTime(now, until);
        return true;
    }

    /// <summary>Ends a cut-off before it expires (the device's quarantine was lifted).</summary>
    public void EndCutOff(string deviceId) => _cutOffUntil.TryRemove(deviceId, out _);

    private bool Sustained(string deviceId, TokenBucket bucket)
    {
        // flood_cut_off: off: the flooder stays connected and held (paced to its allowed rate) however long it floods.
        if (_plant.Current.Validation.FloodCutOff is not { } cutOffFor || bucket.FloodingFor() < SustainedAfter)
        {
            return false;
        }

        var until = _time.GetTimestamp() + (long)(cutOffFor.TotalSeconds * _time.TimestampFrequency);
        _cutOffUntil[deviceId] = until;
        return true;
    }

    /// <summary>How long to stop reading from a flooder whose bucket refills one token in <paramref name="refill"/>.</summary>
    public static TimeSpan HoldFor(TimeSpan refill) => refill < MinHold ? MinHold : refill > MaxHold ? MaxHold : refill;

    private TokenBucket BucketOf(string deviceId, AssetModel asset)
    {
        var buckets = Volatile.Read(ref _buckets);
        if (!ReferenceEquals(buckets.Model, _plant.Current))
        {
            // Rates follow the signals' periods and the flood factor: a reload starts every bucket again, full.
            var next = new Buckets(_plant.Current);
            buckets = Interlocked.CompareExchange(ref _buckets, next, buckets) == buckets ? next : Volatile.Read(ref _buckets);
        }

        // Looked up first: the GetOrAdd's state (a delegate) would otherwise be allocated for every message.
        if (!buckets.ByPair.TryGetValue((deviceId, asset.Id), out var bucket))
        {
            bucket = buckets.ByPair.GetOrAdd((deviceId, asset.Id), static (_, state) => Bucket(state.Rate(state.asset), state.time), (Rate: (Func<AssetModel, double>)AllowedRate, asset, time: _time));
        }

        return bucket;
    }

    /// <summary>A bucket that holds two seconds of the allowed rate, full.</summary>
    private static TokenBucket Bucket(double ratePerSecond, TimeProvider time) => new(ratePerSecond, ratePerSecond * 2, time);

    private double AllowedRate(AssetModel asset) =>
        _plant.Current.Validation.FloodFactor * asset.Signals.Sum(s => 1.0 / s.Period.TotalSeconds);

    /// <summary>The buckets of one model.</summary>
    private sealed class Buckets(PlantModel model)
    {
        public PlantModel Model { get; } = model;

        public ConcurrentDictionary<(string Device, string Asset), TokenBucket> ByPair { get; } = new();
    }
}

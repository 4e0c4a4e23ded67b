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
/// </remarks>
public sealed class FloodGuard
{
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
    public bool TryAdmit(string deviceId, AssetModel asset, int values)
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
            bucket = buckets.ByPair.GetOrAdd((deviceId, asset.Id), static (_, state) => new Bucket(state.Rate(state.asset), state.time), (Rate: (Func<AssetModel, double>)AllowedRate, asset, time: _time));
        }

        return bucket.TryTake(Math.Max(1, values));
    }

    private double AllowedRate(AssetModel asset) =>
        _plant.Current.Validation.FloodFactor * asset.Signals.Sum(s => 1.0 / s.Period.TotalSeconds);

    /// <summary>The buckets of one model.</summary>
    private sealed class Buckets(PlantModel model)
    {
        public PlantModel Model { get; } = model;

        public ConcurrentDictionary<(string Device, string Asset), Bucket> ByPair { get; } = new();
    }

    private sealed class Bucket(double ratePerSecond, TimeProvider time)
    {
        private readonly Lock _lock = new();
        private readonly double _capacity = ratePerSecond * 2;
        private double _tokens = ratePerSecond * 2;
        private long _last = time.GetTimestamp();

        public bool TryTake(int count)
        {
            lock (_lock)
            {
                var now = time.GetTimestamp();
                _tokens = Math.Min(_capacity, _tokens + (time.GetElapsedTime(_last, now).TotalSeconds * ratePerSecond));
                _last = now;
                if (_tokens < count)
                {
                    return false;
                }

                _tokens -= count;
                return true;
            }
        }
    }
}

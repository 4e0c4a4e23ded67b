using System.Globalization;
using StackExchange.Redis;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Server.Hosting.Cluster;

/// <summary>
/// A cluster's sequence numbers, in the Redis of its grain state: one hash per asset (<c>twinguard-seq/{service}/{asset}</c>),
/// one field per device, so that a twin re-activated on any silo reads what the silo it was on accepted.
/// </summary>
/// <remarks>
/// Values are 32 hex digits, the boot then the sequence, each biased by 2^63 so that the text order is the numbers'
/// order: one Lua script per write compares them and keeps the later (two silos may write one device's numbers, and
/// a slower write of older numbers must not undo a newer one). One round trip per write, whatever its size.
/// </remarks>
internal sealed class RedisSequenceTable(ConnectionMultiplexer redis, string serviceId) : ISequenceTable
{
    // Redis' Lua compares strings of equal length and one alphabet (0-9A-F) as their bytes: the later text is the later numbers.
    private const string KeepLater = """
        for i = 1, #KEYS do
          local held = redis.call('HGET', KEYS[i], ARGV[2 * i - 1])
          if (not held) or held < ARGV[2 * i] then
            redis.call('HSET', KEYS[i], ARGV[2 * i - 1], ARGV[2 * i])
          end
        end
        return #KEYS
        """;

    private readonly IDatabase _database = redis.GetDatabase();

    /// <inheritdoc />
    public string Name => "redis " + string.Join(",", redis.GetEndPoints().Select(e => e.ToString()));

    /// <inheritdoc />
    public Dictionary<string, (long Boot, long Sequence)> Read(string assetId)
    {
        var last = new Dictionary<string, (long Boot, long Sequence)>(StringComparer.Ordinal);
        foreach (var field in _database.HashGetAll(Key(assetId)))
        {
            if (Decode(field.Value.ToString()) is { } numbers)
            {
                last[field.Name.ToString()] = numbers;
            }
        }

        return last;
    }

    /// <inheritdoc />
    public void Write(IReadOnlyList<SequenceChange> changes)
    {
        var keys = new RedisKey[changes.Count];
        var values = new RedisValue[changes.Count * 2];
        for (var i = 0; i < changes.Count; i++)
        {
            keys[i] = Key(changes[i].AssetId);
            values[2 * i] = changes[i].DeviceId;
            values[(2 * i) + 1] = Encode(changes[i].Boot, changes[i].Sequence);
        }

        _database.ScriptEvaluate(KeepLater, keys, values);
    }

    /// <summary>Closes the table's own connection to Redis.</summary>
    public void Dispose() => redis.Dispose();

    private RedisKey Key(string assetId) => $"twinguard-seq/{serviceId}/{assetId}";

    internal static string Encode(long boot, long sequence) => string.Create(CultureInfo.InvariantCulture,
        $"{unchecked((ulong)boot ^ 0x8000_0000_0000_0000UL):X16}{unchecked((ulong)sequence ^ 0x8000_0000_0000_0000UL):X16}");

    /// <summary>Null for a value this table did not write (it is ignored, not trusted).</summary>
    internal static (long Boot, long Sequence)? Decode(string? text) =>
        text is { Length: 32 }
        && ulong.TryParse(text.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var boot)
        && ulong.TryParse(text.AsSpan(16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var sequence)
            ? (unchecked((long)(boot ^ 0x8000_0000_0000_0000UL)), unchecked((long)(sequence ^ 0x8000_0000_0000_0000UL)))
            : null;
}

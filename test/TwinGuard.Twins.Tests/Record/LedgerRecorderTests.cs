using System.Text;
using System.Text.Json;
using TwinGuard.Ledger;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Tests.Record;

/// <summary>
/// The reading-batch entry's bytes (docs/ledger-entries.md): what a verifier hashes and a reader parses, checked against
/// the documented form and against an independent encoding (System.Text.Json's serializer), whatever writer the
/// recorder reuses.
/// </summary>
public sealed class LedgerRecorderTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-recorder-").FullName;
    private LedgerWriter _ledger = null!;

    public Task InitializeAsync()
    {
        _ledger = LedgerWriter.Open(Path.Combine(_dir, "ledger"), LedgerOptions.Default, TimeProvider.System);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _ledger.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task RecordBatch_TwoMessages_WritesTheDocumentedJson()
    {
        var asset = Asset("pump1", "speed", "flow");
        var index = new LedgerRecorder(_ledger).RecordBatch(asset,
        [
            new ReadingMessage("plc-1", 41, 1764115200250, 0, [new SignalValue(0, 2870.5), new SignalValue(1, 0.1)]),
            new ReadingMessage("plc-1", 42, 1764115200500, 0, [new SignalValue(1, -1e-7)]),
        ]);

        Assert.Equal(
            """{"asset":"pump1","messages":[{"device":"plc-1","seq":41,"ts":1764115200250,"values":{"speed":2870.5,"flow":0.1}},{"device":"plc-1","seq":42,"ts":1764115200500,"values":{"flow":-1E-07}}]}""",
            await PayloadAsync(index));
    }

    [Fact]
    public async Task RecordBatch_ManyBatchesAndAssetsOnOneThread_EachEqualsAnIndependentEncoding()
    {
        // Names that JSON escapes (a quote, a non-ASCII letter, a control character), and batches of different assets
        // and sizes one after the other on one thread: a writer or buffer reused across them must leave nothing behind.
        var assets = new[] { Asset("tank \"A\"", "level", "température"), Asset("line-2", "a\tb", "c", "d") };
        var random = new Random(11);
        var recorder = new LedgerRecorder(_ledger);
        var expected = new List<(long Index, string Json)>();
        for (var b = 0; b < 40; b++)
        {
            var asset = assets[b % assets.Length];
            var batch = new ReadingMessage[1 + random.Next(20)];
            for (var m = 0; m < batch.Length; m++)
            {
                var values = Enumerable.Range(0, asset.Signals.Count)
                    .Where(_ => random.Next(3) > 0)
                    .Select(i => new SignalValue(i, (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-12, 12))))
                    .ToArray();
                batch[m] = new ReadingMessage(b % 2 == 0 ? "dev-é" : "dev", random.NextInt64(long.MaxValue), random.NextInt64(2_000_000_000_000), 0, values);
            }

            expected.Add((recorder.RecordBatch(asset, batch), Independent(asset, batch)));
        }

        foreach (var (index, json) in expected)
        {
            Assert.Equal(json, await PayloadAsync(index));
        }
    }

    /// <summary>The same entry, written by the serializer rather than by hand: property order is declaration order.</summary>
    private static string Independent(AssetModel asset, ReadingMessage[] batch) => JsonSerializer.Serialize(new
    {
        asset = asset.Id,
        messages = batch.Select(m => new
        {
            device = m.DeviceId,
            seq = m.Sequence,
            ts = m.TimestampMs,
            values = m.Values.ToDictionary(v => asset.Signals[v.SignalIndex].Id, v => v.Value),
        }),
    });

    private async Task<string> PayloadAsync(long index)
    {
        await _ledger.CommitAsync(index);
        using var reader = LedgerReader.Open(_ledger.Directory);
        var entry = Assert.Single(reader.ReadEntries(index, 1));
        Assert.Equal(LedgerEntryKind.ReadingBatch, entry.Kind);
        return Encoding.UTF8.GetString(entry.Payload.Span);
    }

    private static AssetModel Asset(string id, params string[] signals) => new(id, id, "pump", [],
        [.. signals.Select(s => new SignalModel(s, "u", -1e12, 1e12, 1e12, TimeSpan.FromSeconds(1), Criticality.Medium))]);
}

using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using TwinGuard.Ledger;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Benchmarks;

/// <summary>
/// The reading-batch ledger entry of one lane run (<see cref="LedgerRecorder.RecordBatch"/>), appended to a real ledger,
/// beside the encoder it replaced (a new <see cref="Utf8JsonWriter"/> per entry, names escaped per value, the runtime's
/// float formatting), which writes the same bytes into the same ledger.
/// Run: <c>dotnet run -c Release --project bench/TwinGuard.Benchmarks -- --filter '*LedgerEntry*' --job short --inProcess</c>.
/// </summary>
[MemoryDiagnoser]
public class LedgerEntryBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private string _directory = string.Empty;
    private LedgerWriter _ledger = null!;
    private LedgerRecorder _recorder = null!;
    private AssetModel _asset = null!;
    private ReadingMessage[] _batch = [];

    /// <summary>Messages in the lane run: 1 (a paced device), 16 (a connection's read of a flat-out publisher).</summary>
    [Params(1, 16)]
    public int Messages { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "twinguard-bdn-entry-" + Guid.NewGuid().ToString("N"));
        _ledger = LedgerWriter.Open(_directory, LedgerOptions.Default, TimeProvider.System);
        _recorder = new LedgerRecorder(_ledger);
        _asset = new AssetModel("bench", "bench", "bench", [],
            [.. new[] { "a", "b", "c", "d" }.Select(s => new SignalModel(s, "u", 0, 100, 1e9, TimeSpan.FromMilliseconds(1), Criticality.Medium))]);
        var random = new Random(42);
        // As bench ingest's payloads: three decimals (four for d), current time, increasing sequence.
        _batch = [.. Enumerable.Range(0, Messages).Select(i => new ReadingMessage("bench-pub", 1_000_000 + i, 1_765_000_000_000 + i, 0,
        [
            new(0, Math.Round(50 + random.NextDouble(), 3)), new(1, Math.Round(20 + random.NextDouble(), 3)),
            new(2, Math.Round(5 + random.NextDouble(), 3)), new(3, Math.Round(0.5 + (random.NextDouble() / 10), 4)),
        ]))];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ledger.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public long RecordBatch() => _recorder.RecordBatch(_asset, _batch);

    [Benchmark(Baseline = true)]
    public long PreviousEncoder()
    {
        _buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            json.WriteString("asset", _asset.Id);
            json.WriteStartArray("messages");
            foreach (var message in _batch)
            {
                json.WriteStartObject();
                json.WriteString("device", message.DeviceId);
                json.WriteNumber("seq", message.Sequence);
                json.WriteNumber("ts", message.TimestampMs);
                json.WriteStartObject("values");
                foreach (var value in message.Values)
                {
                    json.WriteNumber(_asset.Signals[value.SignalIndex].Id, value.Value);
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return _ledger.Append(LedgerEntryKind.ReadingBatch, _buffer.WrittenSpan);
    }
}

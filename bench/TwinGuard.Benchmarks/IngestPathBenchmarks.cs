using System.Text;
using BenchmarkDotNet.Attributes;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Benchmarks;

/// <summary>The per-message work of the gate: parsing a multi-signal payload and a single-signal one.</summary>
/// <remarks>The full path through broker, dispatcher and grain is measured by <c>twinguard bench ingest</c>.</remarks>
[MemoryDiagnoser]
public class IngestPathBenchmarks
{
    private AssetModel _pump = null!;
    private byte[] _multi = [];
    private byte[] _single = [];

    [GlobalSetup]
    public void Setup()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "TwinGuard.slnx")))
        {
            root = root.Parent;
        }

        _pump = PlantModelLoader.Load(Path.Combine(root!.FullName, "samples", "plant.yaml")).FindAsset("pump1")!;
        _multi = Encoding.UTF8.GetBytes("""{"ts":"2026-11-26T00:00:00.250Z","seq":1234,"values":{"speed":2870.5,"flow":112.25,"pressure":2.731,"motor_current":6.81,"motor_voltage":230.4,"motor_temp":63.2}}""");
        _single = Encoding.UTF8.GetBytes("""{"ts":1764115200250,"seq":1234,"value":0.213}""");
    }

    [Benchmark]
    public int ParseMultiSignal() => ReadingPayloadParser.Parse(_pump, -1, _multi).Values.Length;

    [Benchmark]
    public int ParseSingleSignal() => ReadingPayloadParser.Parse(_pump, _pump.IndexOf("vibration"), _single).Values.Length;
}

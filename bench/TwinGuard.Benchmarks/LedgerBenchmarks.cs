using BenchmarkDotNet.Attributes;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Merkle;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Benchmarks;

/// <summary>
/// The ledger's hot paths: RFC 6962 leaf and node hashing, appending a batch of small entries through
/// <see cref="LedgerWriter"/> (no fsync, to measure the CPU path) and verifying it.
/// Run: <c>dotnet run -c Release --project bench/TwinGuard.Benchmarks -- --filter '*Ledger*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class LedgerBenchmarks
{
    private const int Entries = 100_000;
    private readonly byte[] _leafData = new byte[55];
    private readonly byte[] _left = new byte[32];
    private readonly byte[] _right = new byte[32];
    private readonly byte[] _hash = new byte[32];
    private readonly byte[] _payload = new byte[32];
    private string _root = string.Empty;
    private string _verifyDirectory = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "twinguard-bdn-ledger-" + Guid.NewGuid().ToString("N"));
        _verifyDirectory = Path.Combine(_root, "verify");
        AppendEntries(_verifyDirectory).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Description = "RFC 6962 leaf hash, 55 B")]
    public byte[] LeafHash()
    {
        MerkleHash.Leaf(_leafData, _hash);
        return _hash;
    }

    [Benchmark(Description = "RFC 6962 node hash")]
    public byte[] NodeHash()
    {
        MerkleHash.Node(_left, _right, _hash);
        return _hash;
    }

    [Benchmark(Description = "append 100k entries of 32 B (no fsync)", OperationsPerInvoke = Entries)]
    public Task Append() => AppendEntries(Path.Combine(_root, Guid.NewGuid().ToString("N")));

    [Benchmark(Description = "verify 100k entries of 32 B", OperationsPerInvoke = Entries)]
    public bool Verify() => LedgerVerifier.Verify(_verifyDirectory).Ok;

    private async Task AppendEntries(string directory)
    {
        var options = LedgerOptions.Default with { FsyncEachBatch = false };
        await using var writer = LedgerWriter.Open(directory, options, TimeProvider.System);
        for (var i = 0; i < Entries; i++)
        {
            writer.Append(LedgerEntryKind.ReadingBatch, _payload);
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Merkle;
using TwinGuard.Ledger.Verification;
using TwinGuard.Server.Commands;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench ledger</c>: append rate (batched, fsync per batch), full verification rate and proof sizes,
/// against the goals in DESIGN.md (≥ 1 M entries/s appended, verification faster than appending, log-size proofs).
/// </summary>
internal static class LedgerBenchmark
{
    /// <summary>
    /// The peer ceiling from ../shared/peers/results-2026-11-25.md: a SHA-256 chain link over a ~232-byte record,
    /// one core, OpenSSL with SHA-NI: ≈ 3.6 M links/s.
    /// </summary>
    private const double PeerLinksPerSecond = 3_600_000;

    private static readonly (int PayloadBytes, int Entries)[] Runs = [(32, 3_000_000), (256, 1_000_000)];

    public static ProductBenchmark Create() => new("ledger",
        "Ledger append (batched, fsync per batch), full verification, proof sizes", RunAsync);

    private static async Task<int> RunAsync(BenchContext context, CancellationToken ct)
    {
        var root = Path.Combine(Path.GetTempPath(), "twinguard-bench-ledger-" + Guid.NewGuid().ToString("N"));
        try
        {
            await MeasureAsync(Path.Combine(root, "warmup"), 32, 200_000, ct); // JIT and page cache warm-up
            var results = new List<RunResult>();
            foreach (var (payload, entries) in Runs)
            {
                results.Add(await MeasureAsync(Path.Combine(root, $"run-{payload}"), payload, entries, ct));
            }

            var proofs = MeasureProofs(Path.Combine(root, "run-32"), Runs[0].Entries);
            Print(context, results, proofs);
            return results.All(r => r.VerifyOk) && proofs.All(p => p.Verified) ? 0 : 1;
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static async Task<RunResult> MeasureAsync(string directory, int payloadBytes, int entries, CancellationToken ct)
    {
        var payload = new byte[payloadBytes];
        new Random(payloadBytes).NextBytes(payload);
        var options = LedgerOptions.Default; // fsync per batch, 1 MiB batches, checkpoint every 2^20 entries and 10 s
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await using (var writer = LedgerWriter.Open(directory, options, TimeProvider.System))
        {
            for (var i = 0; i < entries; i++)
            {
                writer.Append(LedgerEntryKind.ReadingBatch, payload);
                if ((i & 0xFFFFF) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }
            }
        }

        var appendSeconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var appendCpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;

        cpuBefore = process.TotalProcessorTime;
        clock.Restart();
        var result = LedgerVerifier.Verify(directory);
        var verifySeconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var verifyCpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var bytes = LedgerFilesSize(directory);
        return new RunResult(payloadBytes, entries, bytes, appendSeconds, appendCpu, verifySeconds, verifyCpu,
            result.Ok && result.TreeSize == entries, result.CheckpointsVerified);
    }

    private static long LedgerFilesSize(string directory) =>
        Directory.EnumerateFiles(directory, "segment-*.tgl").Sum(f => new FileInfo(f).Length);

    private static List<ProofResult> MeasureProofs(string directory, long entries)
    {
        using var reader = LedgerReader.Open(directory);
        var key = reader.PublicKey!;
        var checkpoint = reader.LatestCheckpoint!;
        var results = new List<ProofResult>();
        foreach (var size in new long[] { 1_000, 100_000, entries })
        {
            var index = size * 2 / 3;
            var clock = Stopwatch.StartNew();
            var proof = reader.ProveInclusion(index, size);
            var seconds = clock.Elapsed.TotalSeconds;
            var leaf = reader.ReadEntry(index).ComputeLeafHash();
            var verified = proof.Verify(leaf, reader.ComputeRoot(size));
            if (size == checkpoint.TreeSize)
            {
                verified &= proof.Verify(reader.ReadEntry(index), checkpoint, key);
            }

            results.Add(new ProofResult("inclusion", size, proof.Path.Count, proof.Path.Count * MerkleHash.Size, seconds, verified));
        }

        var older = (entries * 2 / 3) + 1; // an arbitrary (not power-of-two) older tree
        var consistencyClock = Stopwatch.StartNew();
        var consistency = reader.ProveConsistency(older, checkpoint.TreeSize);
        var consistencySeconds = consistencyClock.Elapsed.TotalSeconds;
        var consistent = consistency.Verify(reader.ComputeRoot(older), checkpoint.RootHash);
        results.Add(new ProofResult("consistency", checkpoint.TreeSize, consistency.Path.Count,
            consistency.Path.Count * MerkleHash.Size, consistencySeconds, consistent));
        return results;
    }

    private static void Print(BenchContext context, List<RunResult> runs, List<ProofResult> proofs)
    {
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        if (context.Json)
        {
            context.Output.WriteLine(LedgerJson.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("benchmark", "ledger");
                w.WriteNumber("processors", Environment.ProcessorCount);
                w.WriteString("loadAverage1m", load);
                w.WriteBoolean("nativeSha256", MerkleHash.UsesNativeSha256);
                w.WriteStartArray("runs");
                foreach (var r in runs)
                {
                    w.WriteStartObject();
                    w.WriteNumber("payloadBytes", r.PayloadBytes);
                    w.WriteNumber("entries", r.Entries);
                    w.WriteNumber("segmentBytes", r.Bytes);
                    w.WriteStartObject("append");
                    w.WriteBoolean("fsyncPerBatch", true);
                    w.WriteNumber("seconds", Math.Round(r.AppendSeconds, 3));
                    w.WriteNumber("entriesPerSecond", Math.Round(r.AppendRate));
                    w.WriteNumber("cpuNanosecondsPerEntry", Math.Round(r.AppendCpu * 1e9 / r.Entries));
                    w.WriteNumber("ratioToPeerSha256Chain", Math.Round(r.AppendRate / PeerLinksPerSecond, 3));
                    w.WriteEndObject();
                    w.WriteStartObject("verify");
                    w.WriteBoolean("ok", r.VerifyOk);
                    w.WriteNumber("checkpointsVerified", r.Checkpoints);
                    w.WriteNumber("seconds", Math.Round(r.VerifySeconds, 3));
                    w.WriteNumber("entriesPerSecond", Math.Round(r.VerifyRate));
                    w.WriteNumber("cpuNanosecondsPerEntry", Math.Round(r.VerifyCpu * 1e9 / r.Entries));
                    w.WriteNumber("ratioToPeerSha256Chain", Math.Round(r.VerifyRate / PeerLinksPerSecond, 3));
                    w.WriteEndObject();
                    w.WriteNumber("verifyOverAppend", Math.Round(r.VerifyRate / r.AppendRate, 2));
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("proofs");
                foreach (var p in proofs)
                {
                    w.WriteStartObject();
                    w.WriteString("type", p.Type);
                    w.WriteNumber("treeSize", p.TreeSize);
                    w.WriteNumber("hashes", p.Hashes);
                    w.WriteNumber("bytes", p.Bytes);
                    w.WriteNumber("log2TreeSize", Math.Round(Math.Log2(p.TreeSize), 2));
                    w.WriteNumber("secondsToBuild", Math.Round(p.Seconds, 3));
                    w.WriteBoolean("verified", p.Verified);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartObject("peer");
                w.WriteString("source", "../shared/peers/results-2026-11-25.md: SHA-256 chain link over ~232 B, one core");
                w.WriteNumber("linksPerSecond", PeerLinksPerSecond);
                w.WriteEndObject();
                var headline = runs[0];
                w.WriteStartObject("goals");
                w.WriteBoolean("appendAtLeast1MPerSecond", headline.AppendRate >= 1_000_000);
                w.WriteBoolean("verifyFasterThanAppend", runs.All(r => r.VerifyRate > r.AppendRate));
                w.WriteBoolean("proofsLogarithmic", proofs.Where(p => p.Type == "inclusion")
                    .All(p => p.Hashes <= Math.Ceiling(Math.Log2(p.TreeSize))));
                w.WriteEndObject();
                w.WriteEndObject();
            }));
            return;
        }

        context.Output.WriteLine($"ledger ({Environment.ProcessorCount} cpus, load {load}, native SHA-256 {MerkleHash.UsesNativeSha256})");
        foreach (var r in runs)
        {
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Entries:N0} entries of {r.PayloadBytes} B: append {r.AppendRate / 1e6:F2} M/s (fsync per batch, "
                + $"{r.AppendCpu * 1e9 / r.Entries:F0} ns CPU each), verify {r.VerifyRate / 1e6:F2} M/s "
                + $"({(r.VerifyOk ? "ok" : "FAILED")}); peer SHA-256 chain {PeerLinksPerSecond / 1e6:F1} M/s: "
                + $"append x{r.AppendRate / PeerLinksPerSecond:F2}, verify x{r.VerifyRate / PeerLinksPerSecond:F2}"));
        }

        foreach (var p in proofs)
        {
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {p.Type} proof in a tree of {p.TreeSize:N0}: {p.Hashes} hashes ({p.Bytes} B), log2 n = {Math.Log2(p.TreeSize):F1}, "
                + $"{(p.Verified ? "verified" : "FAILED")}"));
        }
    }

    private sealed record RunResult(int PayloadBytes, int Entries, long Bytes, double AppendSeconds, double AppendCpu,
        double VerifySeconds, double VerifyCpu, bool VerifyOk, int Checkpoints)
    {
        public double AppendRate => Entries / AppendSeconds;

        public double VerifyRate => Entries / VerifySeconds;
    }

    private sealed record ProofResult(string Type, long TreeSize, int Hashes, int Bytes, double Seconds, bool Verified);
}

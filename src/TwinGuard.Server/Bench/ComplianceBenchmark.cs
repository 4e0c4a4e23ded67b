using System.Diagnostics;
using System.Globalization;
using System.Text;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Verification;
using TwinGuard.Server.Commands;
using TwinGuard.Twins.Compliance;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench compliance</c>: an IEC 62443-3-3 SL 2 report (JSON, with every citation proven) and its
/// verification over a generated ledger of a day of the sample plant (1.7 M entries: reading batches, with findings,
/// incidents and actions among them, the plant model and playbooks recorded first, self-tests last), against the goal
/// of issue #20 (report and verification each under 2 s). Beside it, in the same run, the three reads the report made
/// before (full verification, evidence, proofs), for the ratio. CPU time is the figure (the machine is shared).
/// </summary>
internal static class ComplianceBenchmark
{
    private const int Repeats = 3;

    private static readonly string[] Reasons = ["out_of_range", "rate_of_change", "stuck_signal", "multivariate", "unknown_device", "bad_auth"];

    public static ProductBenchmark Create() => new("compliance",
        "Compliance report (IEC 62443-3-3 SL 2, JSON with proofs) and its verification over a generated day of ledger (1.7 M entries)", RunAsync);

    private static async Task<int> RunAsync(BenchContext context, CancellationToken ct)
    {
        var entries = context.Size(1_700_000, 100_000);
        var root = Path.Combine(Path.GetTempPath(), "twinguard-bench-compliance-" + Guid.NewGuid().ToString("N"));
        try
        {
            var plant = Path.Combine(root, "plant.yaml");
            Directory.CreateDirectory(root);
            File.Copy(DemoCommand.SamplePlantPath(), plant);
            await GenerateAsync(root, plant, entries, ct);
            var catalogue = ComplianceCatalogueLoader.Embedded("iec62443-3-3");
            using var key = LedgerPublicKey.Load(Path.Combine(root, "ledger", "signing-key.pub.pem"));
            var options = new LedgerVerificationOptions { TrustedKey = key };

            Measure(() => ThreeReads(root, options)); // warm-up: JIT and page cache
            var report = string.Empty;
            var reportCpu = new List<double>();
            var threeReadsCpu = new List<double>();
            var verifyCpu = new List<double>();
            var ok = true;
            for (var i = 0; i < Repeats; i++)
            {
                ct.ThrowIfCancellationRequested();
                threeReadsCpu.Add(Measure(() => ThreeReads(root, options)));
                reportCpu.Add(Measure(() => report = ComplianceReportJson.Write(ComplianceEvaluator.Evaluate(catalogue, 2, root, CompliancePeriod.All,
                    recorded => PlantEvidence.Load(null, recorded, strict: false), options, TimeProvider.System.GetUtcNow()))));
                verifyCpu.Add(Measure(() => ok &= ComplianceVerifier.Verify(report, key).Ok));
            }

            Print(context, entries, DirectorySize(Path.Combine(root, "ledger")), reportCpu, threeReadsCpu, verifyCpu, ok);
            return ok ? 0 : 1;
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>What the report read before it made one pass: the full verification, the evidence, the proofs.</summary>
    private static void ThreeReads(string root, LedgerVerificationOptions options)
    {
        var directory = Path.Combine(root, "ledger");
        using var reader = LedgerReader.Open(directory);
        var checkpoint = reader.LatestCheckpoint!;
        LedgerVerifier.Verify(directory, options);
        var evidence = LedgerEvidence.Collect(reader, checkpoint, CompliancePeriod.All);
        var cited = evidence.Kind(LedgerEntryKind.ReadingBatch).Newest.Concat(evidence.Kind(LedgerEntryKind.Finding).Newest)
            .Append(evidence.PlantModel!.Index).ToList();
        reader.ProveInclusions(cited, checkpoint.TreeSize, _ => { });
    }

    private static double Measure(Action action)
    {
        using var process = Process.GetCurrentProcess();
        var before = process.TotalProcessorTime;
        action();
        process.Refresh();
        return (process.TotalProcessorTime - before).TotalSeconds;
    }

    private static async Task GenerateAsync(string root, string plant, int entries, CancellationToken ct)
    {
        var directory = Path.Combine(root, "ledger");
        await using var writer = LedgerWriter.Open(directory, LedgerOptions.Default, TimeProvider.System);
        var start = DateTimeOffset.UtcNow;
        writer.Append(LedgerEntryKind.ConfigChange, FilePayload("plant-model", plant, await File.ReadAllBytesAsync(plant, ct)));
        writer.Append(LedgerEntryKind.PlaybookChange, FilePayload("playbooks", "playbooks.yaml", "playbooks: []\n"u8.ToArray()));
        var random = new Random(20);
        var incident = 0;
        for (var i = 2; i < entries - 10; i++)
        {
            var at = start.AddSeconds(i * 86_400.0 / entries).ToString("O", CultureInfo.InvariantCulture);
            var slot = i % 1000;
            if (slot < 25)
            {
                writer.Append(LedgerEntryKind.Finding, Encoding.UTF8.GetBytes(
                    $$"""{"id":{{i}},"time":"{{at}}","reason":"{{Reasons[random.Next(Reasons.Length)]}}","severity":"medium","asset":"tank-1","signal":"level","device":"tank-gateway","value":{{random.NextDouble() * 10:F3}},"score":3.2,"message":"level outside its learned range"}"""));
            }
            else if (slot < 27)
            {
                writer.Append(LedgerEntryKind.Incident, Encoding.UTF8.GetBytes(
                    $$"""{"id":{{++incident}},"opened":"{{at}}","scope":"asset:tank-1","severity":"high","rule":"burst","title":"findings on tank-1","findings":[{{i - 1}}]}"""));
            }
            else if (slot < 29)
            {
                writer.Append(LedgerEntryKind.Action, Encoding.UTF8.GetBytes(
                    $$"""{"id":{{i}},"time":"{{at}}","incident":{{incident}},"playbook":"contain","action":"quarantine","target":"tank-gateway","outcome":"done","by":"playbook","detail":"quarantined","elapsed_ms":3.1}"""));
            }
            else
            {
                writer.Append(LedgerEntryKind.ReadingBatch, Encoding.UTF8.GetBytes(
                    $$$"""{"asset":"tank-1","messages":[{"device":"tank-gateway","seq":{{{i}}},"ts":{{{1_700_000_000_000 + i}}},"values":{"level":{{{random.NextDouble() * 10:F3}}},"inflow":{{{random.NextDouble():F3}}},"outflow":{{{random.NextDouble():F3}}}}}]}"""));
            }
        }

        for (var s = 0; s < 8; s++)
        {
            writer.Append(LedgerEntryKind.SelfTest, Encoding.UTF8.GetBytes(
                $$"""{"invocation":"bench","tool":"twinguard simulate","scenario":"scenario-{{s}}","kind":"attack","intensity":1,"seed":{{s}},"relations":false,"normalOnly":{{(s == 0 ? "true" : "false")}},"detected":{{(s == 0 ? "false" : "true")}},"expected":[],"detectedBy":[],"falseAlarms":0,"simulatedSeconds":60}"""));
        }
    }

    private static byte[] FilePayload(string kind, string source, byte[] content) => Encoding.UTF8.GetBytes(LedgerJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("kind", kind);
        w.WriteString("source", source);
        w.WriteString("sha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)));
        w.WriteString("content", Encoding.UTF8.GetString(content));
        w.WriteNumber("redacted", 0);
        w.WriteEndObject();
    }));

    private static long DirectorySize(string directory) => Directory.EnumerateFiles(directory).Sum(f => new FileInfo(f).Length);

    private static void Print(BenchContext context, int entries, long bytes, List<double> report, List<double> threeReads, List<double> verify, bool ok)
    {
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        var (r, t, v) = (Median(report), Median(threeReads), Median(verify));
        if (context.Json)
        {
            context.Output.WriteLine(LedgerJson.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("benchmark", "compliance");
                w.WriteNumber("processors", Environment.ProcessorCount);
                w.WriteString("loadAverage1m", load);
                w.WriteNumber("entries", entries);
                w.WriteNumber("ledgerBytes", bytes);
                w.WriteNumber("repeats", Repeats);
                Series(w, "reportCpuSeconds", report);
                Series(w, "threeReadsCpuSeconds", threeReads);
                Series(w, "verifyCpuSeconds", verify);
                w.WriteNumber("reportOverThreeReads", Math.Round(r / t, 3));
                w.WriteBoolean("verified", ok);
                w.WriteStartObject("goals");
                w.WriteBoolean("reportUnder2s", r < 2);
                w.WriteBoolean("verifyUnder2s", v < 2);
                w.WriteEndObject();
                w.WriteEndObject();
            }));
            return;
        }

        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"compliance ({Environment.ProcessorCount} cpus, load {load}): {entries:N0} entries ({bytes / 1e6:F0} MB), median of {Repeats}, CPU seconds"));
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  report (one pass, JSON with proofs) {r:F2} s [{report.Min():F2}-{report.Max():F2}] (goal < 2 s: {(r < 2 ? "met" : "NOT met")})"));
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  the three reads it replaced           {t:F2} s [{threeReads.Min():F2}-{threeReads.Max():F2}]; one pass / three reads x{r / t:F2}"));
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  compliance verify                     {v:F3} s [{verify.Min():F3}-{verify.Max():F3}] ({(ok ? "verified" : "FAILED")}; goal < 2 s: {(v < 2 ? "met" : "NOT met")})"));
    }

    private static void Series(System.Text.Json.Utf8JsonWriter w, string name, List<double> values)
    {
        w.WriteStartObject(name);
        w.WriteNumber("median", Math.Round(Median(values), 3));
        w.WriteNumber("min", Math.Round(values.Min(), 3));
        w.WriteNumber("max", Math.Round(values.Max(), 3));
        w.WriteEndObject();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}

using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using TwinGuard.Server.Bench;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard bench [NAME] [--json] [--quick]</c>: the product's own speed measurements.</summary>
/// <remarks>Each benchmark lives in <c>Bench/</c> and is listed once in <see cref="Benchmarks"/>. With <c>--json</c>,
/// standard output is one JSON document: one benchmark's, or for several an object keyed by benchmark name.</remarks>
internal static class BenchCommand
{
    /// <summary>Every benchmark, by name. Add a line here when you add one.</summary>
    public static readonly IReadOnlyList<ProductBenchmark> Benchmarks =
    [
        IngestBenchmark.Create(),
        TlsBenchmark.Create(),
        LedgerBenchmark.Create(),
        ComplianceBenchmark.Create(),
        WitnessBenchmark.Create(),
        IntelBenchmark.Create(),
        IForestBenchmark.Definition,
        AutoencoderBenchmark.Definition,
        LockdownBenchmark.Create(),
        ModbusBenchmark.Create(),
        OpcUaBenchmark.Create(),
        RelationsBenchmark.Create(),
        AbuseBenchmark.Create(),
        RecordsBenchmark.Create(),
        TwinsBenchmark.Create(),
        TwinsBenchmark.CreatePersistence(),
        TwinPathBenchmark.Create(),
    ];

    public static Command Create()
    {
        var name = new Argument<string?>("name")
        {
            Description = "Benchmark to run (" + string.Join(", ", Benchmarks.Select(b => b.Name)) + "); all when omitted",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = CommonOptions.Json();
        var quick = new Option<bool>("--quick")
        {
            Description = "A short configuration where the benchmark has one (a smoke run; figures are not comparable with a full run)",
        };
        var command = new Command("bench", "Measure TwinGuard's hot paths on this machine") { name, json, quick };
        command.SetAction(async (parse, ct) =>
        {
            var wanted = parse.GetValue(name);
            var selected = wanted is null
                ? Benchmarks
                : Benchmarks.Where(b => b.Name == wanted).ToList();
            if (selected.Count == 0)
            {
                throw new CommandLineException(
                    $"unknown benchmark '{wanted}'; known: {string.Join(", ", Benchmarks.Select(b => b.Name))}");
            }

            var asJson = parse.GetValue(json);
            var stdout = Console.Out;
            if (asJson)
            {
                // Standard output carries the JSON alone: whatever else writes to the console while a benchmark runs (a
                // library, a host's logger, a stray line) goes to stderr.
                Console.SetOut(Console.Error);
            }

            try
            {
                return await RunAsync(selected, asJson, parse.GetValue(quick), stdout, ct);
            }
            finally
            {
                Console.SetOut(stdout);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(IReadOnlyList<ProductBenchmark> selected, bool asJson, bool quick, TextWriter stdout, CancellationToken ct)
    {
        if (!asJson || selected.Count == 1)
        {
            foreach (var bench in selected)
            {
                var code = await bench.Run(new BenchContext(asJson, stdout, quick), ct);
                if (code != 0)
                {
                    return code;
                }
            }

            return 0;
        }

        // Several JSON documents one after the other do not parse as one: key each benchmark's by its name.
        var all = new JsonObject();
        foreach (var bench in selected)
        {
            using var output = new StringWriter();
            var code = await bench.Run(new BenchContext(true, output, quick), ct);
            if (code != 0)
            {
                return code;
            }

            all[bench.Name] = JsonNode.Parse(output.ToString());
        }

        await stdout.WriteLineAsync(all.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}

using System.CommandLine;
using TwinGuard.Server.Bench;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard bench [NAME] [--json]</c>: the product's own speed measurements.</summary>
/// <remarks>Each benchmark lives in <c>Bench/</c> and is listed once in <see cref="Benchmarks"/>.</remarks>
internal static class BenchCommand
{
    /// <summary>Every benchmark, by name. Add a line here when you add one.</summary>
    public static readonly IReadOnlyList<ProductBenchmark> Benchmarks =
    [
        IngestBenchmark.Create(),
        LedgerBenchmark.Create(),
        IntelBenchmark.Create(),
        IForestBenchmark.Definition,
        AutoencoderBenchmark.Definition,
        LockdownBenchmark.Create(),
        ModbusBenchmark.Create(),
        OpcUaBenchmark.Create(),
        RelationsBenchmark.Create(),
    ];

    public static Command Create()
    {
        var name = new Argument<string?>("name")
        {
            Description = "Benchmark to run (" + string.Join(", ", Benchmarks.Select(b => b.Name)) + "); all when omitted",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = CommonOptions.Json();
        var command = new Command("bench", "Measure TwinGuard's hot paths on this machine") { name, json };
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

            foreach (var bench in selected)
            {
                var code = await bench.Run(new BenchContext(parse.GetValue(json), Console.Out), ct);
                if (code != 0)
                {
                    return code;
                }
            }

            return 0;
        });
        return command;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TwinGuard.Server.Commands;
using TwinGuard.Simulator.Physics;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Relations;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench relations</c>: the cost of one relation update (align, evaluate, detect) per sample relation, and
/// the false alarms of a simulated day of normal operation with the twin relations, against an hour of the detectors
/// alone (the same plant model without its relations).
/// </summary>
internal static class RelationsBenchmark
{
    private const int Updates = 400_000;
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);
    private static readonly TimeSpan DetectorsAloneRun = TimeSpan.FromHours(1);

    public static ProductBenchmark Create() => new("relations",
        "Twin relation update cost; false alarms per simulated day of normal operation, with and without relations", RunAsync);

    private static async Task<int> RunAsync(BenchContext context, CancellationToken ct)
    {
        var plant = PlantModelLoader.Load(DemoCommand.SamplePlantPath());
        var costs = plant.Relations.Select(r => (r.Id, NsPerUpdate: MeasureUpdate(plant, r))).ToList();
        if (!context.Json)
        {
            foreach (var (id, ns) in costs)
            {
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{id,-40} {ns,8:0} ns per update (offer + evaluate)"));
            }
        }

        var withRelations = await NormalOperationRun.RunAsync(plant, Day, seed: 1, ct);
        var alone = await NormalOperationRun.RunAsync(plant with { Relations = [] }, DetectorsAloneRun, seed: 1, ct);
        if (context.Json)
        {
            context.Output.WriteLine(JsonSerializer.Serialize(new
            {
                updateCost = costs.ToDictionary(c => c.Id, c => c.NsPerUpdate),
                withRelations = Summary(withRelations),
                detectorsAlone = Summary(alone),
            }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        }
        else
        {
            Print(context.Output, "with relations", withRelations);
            Print(context.Output, "detectors alone (no relations)", alone);
        }

        return 0;
    }

    private static object Summary(NormalOperationResult r) => new
    {
        simulatedHours = r.Simulated.TotalHours,
        wallSeconds = r.Elapsed.TotalSeconds,
        r.Findings,
        r.Incidents,
        findingsPerDay = r.FindingsPerDay,
        incidentsPerDay = r.IncidentsPerDay,
        findingsBy = r.FindingsBy,
        firstIncidents = r.FirstIncidents,
        relations = r.Relations.Select(s => new { s.RelationId, s.State, s.Evaluations, s.Violations, s.ResidualMean, s.ResidualStdDev, s.Tolerance }),
    };

    private static void Print(TextWriter output, string title, NormalOperationResult r)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{title}: {r.Simulated.TotalHours:0.#} h simulated in {r.Elapsed.TotalSeconds:0} s: {r.Findings} findings ({r.FindingsPerDay:0.#}/day), {r.Incidents} incidents ({r.IncidentsPerDay:0.##}/day)"));
        foreach (var (key, count) in r.FindingsBy.Take(12))
        {
            output.WriteLine($"  {count,7} {key}");
        }

        foreach (var line in r.FirstIncidents.Take(5))
        {
            output.WriteLine($"  incident: {line}");
        }

        foreach (var s in r.Relations)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {s.RelationId,-40} {s.State,-8} evaluations {s.Evaluations,9} violations {s.Violations,6} residual {s.ResidualMean,10:G3} ± {s.ResidualStdDev:G3} (tolerance {s.Tolerance:G3})"));
        }
    }

    private static double MeasureUpdate(PlantModel plant, RelationModel relation)
    {
        var compiled = relation.CompileFor(plant);
        var evaluator = new RelationEvaluator(relation, compiled, plant.Detection);
        var physics = new PlantPhysics(3);
        var index = compiled.SlotInfo.Select(s => SamplePlant.IndexOf(s.AssetId, s.SignalId)).ToArray();
        var frames = new double[1024][];
        for (var f = 0; f < frames.Length; f++)
        {
            physics.Step();
            frames[f] = [.. index.Select(i => physics.Measurements[i])];
        }

        var start = 1_764_115_200_000L;
        var watch = Stopwatch.StartNew();
        for (var u = 0; u < Updates; u++)
        {
            var frame = frames[u % frames.Length];
            var ts = start + (250L * u);
            for (var s = 0; s < frame.Length; s++)
            {
                evaluator.Offer(s, ts, frame[s]);
            }

            evaluator.Evaluate();
        }

        return watch.Elapsed.TotalNanoseconds / Updates;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench records</c>: rows per second written by record batches (findings, their folded repeats and
/// refusals, one transaction per batch, as the record stage writes them) into SQLite and, when
/// <c>TWINGUARD_BENCH_POSTGRES</c> holds a connection string, into PostgreSQL in the same run, alternating.
/// </summary>
internal static class RecordsBenchmark
{
    /// <summary>The environment variable naming the PostgreSQL to measure (the string itself is never printed).</summary>
    public const string PostgresVariable = "TWINGUARD_BENCH_POSTGRES";

    private const int FindingsPerBatch = 20;
    private const int RefusalsPerBatch = 200;

    public static ProductBenchmark Create() => new("records",
        "Records store write rate: SQLite against PostgreSQL ($" + PostgresVariable + "), batches of findings and refusals", RunAsync);

    private static Task<int> RunAsync(BenchContext context, CancellationToken ct)
    {
        var batches = context.Size(200, 20);
        var dir = Directory.CreateTempSubdirectory("twinguard-bench-records-").FullName;
        try
        {
            var postgres = Environment.GetEnvironmentVariable(PostgresVariable);
            using var sqlite = PlantStore.Open(dir);
            using var pg = string.IsNullOrEmpty(postgres) ? null : PostgresRecordStore.Open(postgres);
            var results = new List<(string Store, int Round, double RowsPerSecond)>();
            for (var round = 1; round <= 3; round++)
            {
                // Alternate which goes first: on a shared machine the load moves under the run.
                IRecordStore?[] order = round % 2 == 1 ? [sqlite, pg] : [pg, sqlite];
                foreach (var store in order.OfType<IRecordStore>())
                {
                    ct.ThrowIfCancellationRequested();
                    results.Add((store == sqlite ? "sqlite" : "postgresql", round, Measure(store, batches)));
                }
            }

            Print(context, results, pg?.Description);
            return Task.FromResult(0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Measure(IRecordStore store, int batches)
    {
        var payload = Encoding.UTF8.GetBytes("{\"value\": 41.5, \"ts\": 1767225600000}");
        var time = DateTimeOffset.UnixEpoch.AddYears(56);
        var rows = 0L;
        var clock = Stopwatch.StartNew();
        for (var b = 0; b < batches; b++)
        {
            var ids = store.ReserveIds("findings", FindingsPerBatch);
            using var batch = store.BeginBatch();
            foreach (var id in ids)
            {
                batch.Insert(new Finding(time, ReasonCode.RelationViolated, Severity.Medium, "pump1", "flow", "loop-plc", 41.5, 3.2, "flow departs from speed"), id, id);
                batch.AddOccurrences(id, 1, time);
            }

            for (var r = 0; r < RefusalsPerBatch; r++)
            {
                batch.Insert(new Refusal(time, ReasonCode.UnauthorisedTopic, "tank-gateway", "c1", "10.0.0.7:50000", "plant/x", null, null, "may not publish", payload));
            }

            batch.Commit();
            rows += FindingsPerBatch + RefusalsPerBatch;
        }

        return rows / clock.Elapsed.TotalSeconds;
    }

    private static void Print(BenchContext context, List<(string Store, int Round, double RowsPerSecond)> results, string? postgres)
    {
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        double Median(string store) => results.Where(r => r.Store == store).Select(r => r.RowsPerSecond).Order().ElementAtOrDefault(1);
        if (context.Json)
        {
            context.Output.WriteLine(JsonSerializer.Serialize(new
            {
                loadAverage1m = load,
                postgresql = postgres,
                runs = results.Select(r => new { store = r.Store, round = r.Round, rowsPerSecond = Math.Round(r.RowsPerSecond) }),
                medianRowsPerSecond = new { sqlite = Math.Round(Median("sqlite")), postgresql = postgres is null ? (double?)null : Math.Round(Median("postgresql")) },
            }));
            return;
        }

        context.Output.WriteLine($"records ({Environment.ProcessorCount} cpus, load {load}; {FindingsPerBatch} findings + {RefusalsPerBatch} refusals per transaction)");
        foreach (var r in results)
        {
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {r.Round} {r.Store,-10} {r.RowsPerSecond,10:N0} rows/s"));
        }

        context.Output.WriteLine(postgres is null
            ? $"  postgresql not measured: set {PostgresVariable}"
            : string.Create(CultureInfo.InvariantCulture, $"  median: sqlite {Median("sqlite"):N0}, {postgres} {Median("postgresql"):N0} rows/s (ratio {Median("postgresql") / Median("sqlite"):F2})"));
    }
}

namespace TwinGuard.Server.Bench;

/// <summary>A named benchmark that <c>twinguard bench</c> can run.</summary>
/// <param name="Name">The name given on the command line, e.g. <c>ingest</c>.</param>
/// <param name="Description">One line saying what is measured.</param>
/// <param name="Run">Runs the benchmark and prints its figures; returns the exit code.</param>
internal sealed record ProductBenchmark(
    string Name,
    string Description,
    Func<BenchContext, CancellationToken, Task<int>> Run);

namespace TwinGuard.Server.Bench;

/// <summary>What a benchmark needs from the command line.</summary>
/// <param name="Json">Print one JSON document instead of a table.</param>
/// <param name="Output">Where figures go.</param>
internal sealed record BenchContext(bool Json, TextWriter Output);

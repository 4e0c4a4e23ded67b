namespace TwinGuard.Server.Bench;

/// <summary>What a benchmark needs from the command line.</summary>
/// <param name="Json">Print one JSON document instead of a table.</param>
/// <param name="Output">Where figures go.</param>
/// <param name="Quick">Run a short configuration (a smoke run: the figures are not comparable with a full run's).</param>
internal sealed record BenchContext(bool Json, TextWriter Output, bool Quick = false)
{
    /// <summary><paramref name="full"/>, or <paramref name="quick"/> for a <see cref="Quick"/> run.</summary>
    public int Size(int full, int quick) => Quick ? quick : full;
}

namespace TwinGuard.Twins.Twin;

/// <summary>
/// The raw rows of a multivariate warm-up in progress: the part of a twin's learned state that grows with the warm-up,
/// kept apart from the small stream state so that each snapshot's cost stays bounded (docs/cluster.md).
/// </summary>
/// <remarks>Written when the warm-up has grown by an eighth of its window since the last write, and on deactivation: at most
/// about eight growing writes per warm-up instead of one per snapshot.</remarks>
[GenerateSerializer]
[Alias("twinguard.twin-warmup.v1")]
internal sealed record TwinWarmUpState
{
    /// <summary>The model generation whose warm-up these rows are (<see cref="MultivariateStream.Generation"/>).</summary>
    [Id(0)]
    public int Generation { get; init; }

    /// <summary>The raw rows learned so far, oldest first.</summary>
    [Id(1)]
    public double[][] Rows { get; init; } = [];
}

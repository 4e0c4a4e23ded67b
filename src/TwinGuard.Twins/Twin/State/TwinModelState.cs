namespace TwinGuard.Twins.Twin;

/// <summary>
/// The large, rarely written part of a twin's learned state: the feature rows its multivariate anchor and model in use
/// were fitted on (the models are refitted from them on activation, see <see cref="Detection.Pipeline.OnlineCheckpoint"/>).
/// </summary>
/// <remarks>Written only when the model changes (a fit, an adopted refit, a rebaseline): at most once per warm-up window.</remarks>
[GenerateSerializer]
[Alias("twinguard.twin-model.v1")]
internal sealed record TwinModelState
{
    /// <summary>The model generation these rows belong to; 0 before the first fit.</summary>
    [Id(0)]
    public int Generation { get; init; }

    /// <summary>Columns of both matrices.</summary>
    [Id(1)]
    public int Columns { get; init; }

    /// <summary>The anchor's feature rows, row-major.</summary>
    [Id(2)]
    public double[] Anchor { get; init; } = [];

    /// <summary>The model in use's feature rows, row-major; empty when the model in use is the anchor.</summary>
    [Id(3)]
    public double[] Model { get; init; } = [];

    /// <summary>The level-free input columns of the features the first fit chose.</summary>
    [Id(4)]
    public int[] LevelFreeColumns { get; init; } = [];

    /// <summary>The input columns with a period, in the order of <see cref="Periods"/>.</summary>
    [Id(5)]
    public int[] PeriodColumns { get; init; } = [];

    /// <summary>Each period in rows of <see cref="PeriodColumns"/>.</summary>
    [Id(6)]
    public int[] Periods { get; init; } = [];
}

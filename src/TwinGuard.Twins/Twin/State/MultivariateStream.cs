namespace TwinGuard.Twins.Twin;

/// <summary>The stream part of a multivariate model's checkpoint (<see cref="Detection.Pipeline.OnlineCheckpoint"/>).</summary>
[GenerateSerializer]
[Alias("twinguard.multivariate-stream.v1")]
internal sealed record MultivariateStream
{
    /// <summary>The model generation the stored model rows must have (<see cref="TwinModelState.Generation"/>).</summary>
    [Id(0)]
    public int Generation { get; init; }

    /// <summary>Raw rows of a warm-up in progress, in states written before they moved to <see cref="TwinWarmUpState"/>; empty since.</summary>
    [Id(1)]
    public double[][] WarmUp { get; init; } = [];

    /// <summary>The last raw rows scored, oldest first.</summary>
    [Id(2)]
    public double[][] Recent { get; init; } = [];

    /// <summary>Refits adopted.</summary>
    [Id(3)]
    public int Refits { get; init; }

    /// <summary>Refits refused.</summary>
    [Id(4)]
    public int RefitsRefused { get; init; }

    /// <summary>Refits refused in a row.</summary>
    [Id(5)]
    public int ConsecutiveRefusals { get; init; }

    /// <summary>Rows learned after the warm-up.</summary>
    [Id(6)]
    public long Learned { get; init; }

    /// <summary>Rows since the last refit started.</summary>
    [Id(7)]
    public int SinceFit { get; init; }

    /// <summary>Rows since the last flagged one.</summary>
    [Id(8)]
    public long SinceFlag { get; init; }

    /// <summary>An operator's rebaseline is in progress.</summary>
    [Id(9)]
    public bool Rebaselining { get; init; }

    /// <summary>The model version announced to the ledger.</summary>
    [Id(10)]
    public int AnnouncedVersion { get; init; }

    /// <summary>States flagged in a row (towards accepting a new operating point).</summary>
    [Id(11)]
    public int FlaggedRun { get; init; }

    /// <summary>A warm-up is in progress: its rows are in the twin's <see cref="TwinWarmUpState"/> of this generation.</summary>
    [Id(12)]
    public bool WarmingUp { get; init; }

    /// <summary>Refits adopted after their row because their fit was not done by then.</summary>
    [Id(13)]
    public int AdoptedLate { get; init; }
}

namespace TwinGuard.Detection.Pipeline;

/// <summary>How an <see cref="OnlineAnomalyDetector"/> learns as it goes.</summary>
public sealed record OnlineLearningOptions
{
    /// <summary>Rows learned unconditionally before the first fit.</summary>
    /// <value>256.</value>
    public int WarmUp { get; init; } = 256;

    /// <summary>Rows scored between two refits.</summary>
    /// <value>256.</value>
    public int RefitEvery { get; init; } = 256;

    /// <summary>The most recent accepted rows kept for refitting.</summary>
    /// <value>2048.</value>
    public int History { get; init; } = 2048;
}

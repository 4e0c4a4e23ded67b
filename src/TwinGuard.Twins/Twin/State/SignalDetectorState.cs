namespace TwinGuard.Twins.Twin;

/// <summary>What one signal's streaming detectors have learned (<see cref="Detect.SignalDetector"/>).</summary>
[GenerateSerializer]
[Alias("twinguard.signal-detector.v1")]
internal sealed record SignalDetectorState
{
    /// <summary>Values the level baseline learned.</summary>
    [Id(0)]
    public long LevelCount { get; init; }

    /// <summary>The level baseline's mean.</summary>
    [Id(1)]
    public double LevelMean { get; init; }

    /// <summary>The level baseline's variance.</summary>
    [Id(2)]
    public double LevelVariance { get; init; }

    /// <summary>Values the baseline of changes learned.</summary>
    [Id(3)]
    public long ChangeCount { get; init; }

    /// <summary>The baseline of changes' mean.</summary>
    [Id(4)]
    public double ChangeMean { get; init; }

    /// <summary>The baseline of changes' variance.</summary>
    [Id(5)]
    public double ChangeVariance { get; init; }

    /// <summary>The CUSUM's upper statistic.</summary>
    [Id(6)]
    public double CusumUpper { get; init; }

    /// <summary>The CUSUM's lower statistic.</summary>
    [Id(7)]
    public double CusumLower { get; init; }

    /// <summary>The previous value (NaN before the first).</summary>
    [Id(8)]
    public double Previous { get; init; } = double.NaN;
}

namespace TwinGuard.Detection.Reconstruction;

/// <summary>Parameters of a <see cref="PcaResidualDetector"/>.</summary>
public sealed record PcaResidualOptions
{
    /// <summary>Share of the training variance the principal subspace must explain.</summary>
    /// <value>0.9.</value>
    public double ExplainedVariance { get; init; } = 0.9;

    /// <summary>Training-score quantile that each statistic (T² and Q) is divided by before they are added.</summary>
    /// <value>0.99: both statistics are at 1 where 1 % of the training rows exceed them.</value>
    public double NormalisingQuantile { get; init; } = 0.99;
}

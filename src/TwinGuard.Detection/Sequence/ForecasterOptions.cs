namespace TwinGuard.Detection.Sequence;

/// <summary>Parameters of a <see cref="TemporalConvolutionForecaster"/>.</summary>
public sealed record ForecasterOptions
{
    /// <summary>Channels of every hidden convolution.</summary>
    /// <value>16.</value>
    public int Hidden { get; init; } = 16;

    /// <summary>Passes over the training windows.</summary>
    /// <value>40.</value>
    public int Epochs { get; init; } = 40;

    /// <summary>Windows per mini-batch.</summary>
    /// <value>32.</value>
    public int BatchSize { get; init; } = 32;

    /// <summary>Adam's step size α.</summary>
    /// <value>0.003.</value>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Seed of the weight initialisation and the batch order.</summary>
    /// <value>42.</value>
    public ulong Seed { get; init; } = 42;

    /// <summary>Training-error quantile the forecast error is divided by.</summary>
    /// <value>0.99.</value>
    public double NormalisingQuantile { get; init; } = 0.99;
}

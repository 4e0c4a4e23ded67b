namespace TwinGuard.Detection.Sequence;

/// <summary>Parameters of a <see cref="TemporalConvolutionForecaster"/>.</summary>
public sealed record ForecasterOptions
{
    /// <summary>Channels of every hidden convolution.</summary>
    /// <value>16.</value>
    public int Hidden { get; init; } = 16;

    /// <summary>Passes over the training windows at most (early stopping may end training sooner).</summary>
    /// <value>40.</value>
    public int Epochs { get; init; } = 40;

    /// <summary>
    /// Early stopping: training ends when the forecast error on the latest <see cref="HeldOutFraction"/> of the
    /// training windows (held out of training) has not improved for this many epochs, and the best epoch's weights are
    /// kept. 0 runs every epoch on every window.
    /// </summary>
    /// <value>3.</value>
    public int Patience { get; init; } = 3;

    /// <summary>
    /// Share of the training windows, the latest in time, held out to judge early stopping: the rows closest to those
    /// the model will score. Without at least <see cref="BatchSize"/> windows on either side, every epoch runs on every
    /// window.
    /// </summary>
    /// <value>0.2.</value>
    public double HeldOutFraction { get; init; } = 0.2;

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

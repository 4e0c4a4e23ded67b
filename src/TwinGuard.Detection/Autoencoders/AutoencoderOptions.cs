namespace TwinGuard.Detection.Autoencoders;

/// <summary>Parameters of an <see cref="Autoencoder"/>.</summary>
public sealed record AutoencoderOptions
{
    /// <summary>Widths of the hidden layers, encoder then decoder; null means d/2, d/4, d/2 (at least 2, 1, 2).</summary>
    public IReadOnlyList<int>? HiddenLayers { get; init; }

    /// <summary>Passes over the training rows.</summary>
    /// <value>60.</value>
    public int Epochs { get; init; } = 60;

    /// <summary>Rows per mini-batch.</summary>
    /// <value>32.</value>
    public int BatchSize { get; init; } = 32;

    /// <summary>Adam's step size α.</summary>
    /// <value>0.003.</value>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Seed of the weight initialisation and the batch order.</summary>
    /// <value>42.</value>
    public ulong Seed { get; init; } = 42;

    /// <summary>Training-error quantile the reconstruction error is divided by.</summary>
    /// <value>0.99.</value>
    public double NormalisingQuantile { get; init; } = 0.99;
}

namespace TwinGuard.Detection.Autoencoders;

/// <summary>
/// Early stopping for <see cref="AdamTraining.Train"/>: training ends when the loss on rows held out of training has
/// not improved for <see cref="Patience"/> epochs, and the weights of the best epoch are kept (Prechelt, "Early
/// stopping — but when?", 1998). A network stops when it stops generalising, not after a fixed count of epochs.
/// </summary>
internal sealed class EarlyStopping(Func<double> heldOutLoss, int patience)
{
    /// <summary>Measures the current weights' loss on the held-out rows.</summary>
    public Func<double> HeldOutLoss { get; } = heldOutLoss;

    /// <summary>Epochs without improvement before training stops.</summary>
    public int Patience { get; } = patience;

    /// <summary>Epochs run before training stopped (set by training).</summary>
    public int EpochsRun { get; set; }
}

using System.Numerics.Tensors;

namespace TwinGuard.Detection.Autoencoders;

/// <summary>
/// The training loop the dense networks (<see cref="Autoencoder"/>, <see cref="Sequence.TemporalConvolutionForecaster"/>)
/// share: epochs of shuffled mini-batches, each batch followed by one Adam step of every layer
/// (<see cref="DenseLayer.Step"/>), and the mean-squared-error gradient their backward passes start from.
/// </summary>
internal static class AdamTraining
{
    /// <summary>Trains <paramref name="layers"/>, then drops their training state (<see cref="DenseLayer.ReleaseTrainingState"/>).</summary>
    /// <param name="layers">Every layer the backward pass leaves gradients in, stepped in this order.</param>
    /// <param name="rows">How many training rows.</param>
    /// <param name="batchSize">Rows per batch, at most <paramref name="rows"/>; an epoch's last batch may have fewer.</param>
    /// <param name="epochs">Passes over the rows, each in a new random order.</param>
    /// <param name="learningRate">Adam's step size.</param>
    /// <param name="random">Shuffles the rows.</param>
    /// <param name="backward">
    /// The forward and backward pass of one batch, given its training rows' indices: leaves each layer's gradients and
    /// returns the batch's summed squared error.
    /// </param>
    /// <param name="stopping">
    /// Early stopping, or null to run every epoch: after each epoch the held-out loss is measured, training stops once it
    /// has not improved for the stopping's patience, and the weights of the best epoch are restored.
    /// </param>
    /// <returns>The last epoch's summed squared error.</returns>
    public static double Train(
        DenseLayer[] layers, int rows, int batchSize, int epochs, double learningRate, ref DeterministicRandom random, Func<ArraySegment<int>, double> backward,
        EarlyStopping? stopping = null)
    {
        var order = Enumerable.Range(0, rows).ToArray();
        var step = 0;
        var epochLoss = 0.0;
        var best = double.PositiveInfinity;
        var sinceBest = 0;
        float[][] bestWeights = [];
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            if (stopping is not null && epoch > 0)
            {
                var heldOut = stopping.HeldOutLoss();
                stopping.EpochsRun = epoch;
                if (heldOut < best)
                {
                    (best, sinceBest) = (heldOut, 0);
                    bestWeights = [.. layers.SelectMany(l => new[] { (float[])l.Weights.Clone(), (float[])l.Bias.Clone() })];
                }
                else if (++sinceBest >= stopping.Patience)
                {
                    break;
                }
            }

            for (var i = rows - 1; i > 0; i--)
            {
                var j = random.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }

            epochLoss = 0.0;
            for (var start = 0; start < rows; start += batchSize)
            {
                epochLoss += backward(new ArraySegment<int>(order, start, Math.Min(batchSize, rows - start)));
                step++;
                foreach (var layer in layers)
                {
                    layer.Step(learningRate, step);
                }
            }
        }

        if (stopping is not null && bestWeights.Length > 0)
        {
            // The weights in place are the last epoch's: judged already when training stopped early, not yet otherwise.
            var stoppedEarly = sinceBest >= stopping.Patience;
            if (!stoppedEarly)
            {
                stopping.EpochsRun = epochs;
            }

            if (stoppedEarly || stopping.HeldOutLoss() >= best)
            {
                for (var k = 0; k < layers.Length; k++)
                {
                    bestWeights[2 * k].CopyTo(layers[k].Weights, 0);
                    bestWeights[(2 * k) + 1].CopyTo(layers[k].Bias, 0);
                }
            }
        }

        foreach (var layer in layers)
        {
            layer.ReleaseTrainingState();
        }

        return epochLoss;
    }

    /// <summary>
    /// Writes the gradient of the mean squared error of <paramref name="output"/> against <paramref name="target"/>
    /// into <paramref name="gradient"/> (all three of one length) and returns the summed squared error.
    /// </summary>
    public static double SquaredErrorGradient(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> gradient)
    {
        TensorPrimitives.Subtract(output, target, gradient);
        var loss = TensorPrimitives.SumOfSquares(gradient);
        TensorPrimitives.Multiply(gradient, 2f / gradient.Length, gradient);
        return loss;
    }
}

using TwinGuard.Detection.Autoencoders;

namespace TwinGuard.Detection.Tests.Autoencoders;

public sealed class AdamTrainingTests
{
    [Fact]
    public void SquaredErrorGradient_OutputOffTarget_ReturnsSummedSquaresAndTheMeanSquaredErrorGradient()
    {
        float[] output = [1, 2, 3, -1];
        float[] target = [0, 0, 1, 1];
        var gradient = new float[4];

        var loss = AdamTraining.SquaredErrorGradient(output, target, gradient);

        Assert.Equal(1 + 4 + 4 + 4, loss, 6);
        Assert.Equal([0.5f, 1f, 1f, -1f], gradient); // 2 (output - target) / 4
    }

    [Fact]
    public void Train_LinearLayerOnALinearMap_LearnsTheMapAndReleasesTheTrainingState()
    {
        const int rows = 256;
        var random = new DeterministicRandom(3);
        var inputs = new float[rows * 2];
        var targets = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            (inputs[2 * i], inputs[(2 * i) + 1]) = ((float)(random.NextDouble() - 0.5), (float)(random.NextDouble() - 0.5));
            targets[i] = (0.5f * inputs[2 * i]) - (0.3f * inputs[(2 * i) + 1]) + 0.1f;
        }

        var layer = new DenseLayer(2, 1, tanh: false, ref random);
        const int batch = 32;
        var (x, y, output, gradient) = (new float[batch * 2], new float[batch], new float[batch], new float[batch]);
        var batches = 0;
        double Backward(ArraySegment<int> order)
        {
            batches++;
            for (var r = 0; r < order.Count; r++)
            {
                inputs.AsSpan(order[r] * 2, 2).CopyTo(x.AsSpan(r * 2));
                y[r] = targets[order[r]];
            }

            layer.Forward(x, output, order.Count);
            var loss = AdamTraining.SquaredErrorGradient(output.AsSpan(0, order.Count), y.AsSpan(0, order.Count), gradient.AsSpan(0, order.Count));
            layer.Backward(x, output, gradient, Span<float>.Empty, order.Count);
            return loss;
        }

        var lastEpoch = AdamTraining.Train([layer], rows, batch, 300, 0.05, ref random, Backward);

        Assert.Equal(300 * 8, batches); // 8 batches of 32 rows per epoch
        Assert.True(lastEpoch / rows < 1e-4, $"mean squared error {lastEpoch / rows} after 300 epochs");
        Assert.Equal(0.5, layer.Weights[0], 2);
        Assert.Equal(-0.3, layer.Weights[1], 2);
        Assert.Equal(0.1, layer.Bias[0], 2);
        Assert.Empty(layer.GradWeights);
    }
}

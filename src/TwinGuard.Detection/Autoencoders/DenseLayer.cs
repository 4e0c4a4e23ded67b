using System.Numerics.Tensors;

namespace TwinGuard.Detection.Autoencoders;

/// <summary>A fully connected layer y = act(x W + b), with its Adam moments, over row-major float mini-batches.</summary>
internal sealed class DenseLayer
{
    private float[] _mW;
    private float[] _vW;
    private float[] _mB;
    private float[] _vB;

    public DenseLayer(int inputs, int outputs, bool tanh, ref DeterministicRandom random)
    {
        Inputs = inputs;
        Outputs = outputs;
        Tanh = tanh;
        Weights = new float[inputs * outputs];
        Bias = new float[outputs];
        GradWeights = new float[inputs * outputs];
        GradBias = new float[outputs];
        _mW = new float[Weights.Length];
        _vW = new float[Weights.Length];
        _mB = new float[outputs];
        _vB = new float[outputs];

        // Glorot and Bengio (AISTATS 2010): uniform in ±sqrt(6 / (fan_in + fan_out)).
        var limit = Math.Sqrt(6.0 / (inputs + outputs));
        for (var i = 0; i < Weights.Length; i++)
        {
            Weights[i] = (float)(((random.NextDouble() * 2) - 1) * limit);
        }
    }

    public int Inputs { get; }

    public int Outputs { get; }

    public bool Tanh { get; }

    /// <summary>Row-major inputs × outputs: row k holds the weights from input k.</summary>
    public float[] Weights { get; }

    public float[] Bias { get; }

    public float[] GradWeights { get; private set; }

    public float[] GradBias { get; private set; }

    public int ParameterCount => Weights.Length + Bias.Length;

    /// <summary>output[rows × Outputs] = act(input[rows × Inputs] W + b).</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int rows)
    {
        for (var i = 0; i < rows; i++)
        {
            var x = input.Slice(i * Inputs, Inputs);
            var y = output.Slice(i * Outputs, Outputs);
            Bias.CopyTo(y);
            for (var k = 0; k < Inputs; k++)
            {
                TensorPrimitives.MultiplyAdd(Weights.AsSpan(k * Outputs, Outputs), x[k], y, y);
            }

            if (Tanh)
            {
                TensorPrimitives.Tanh(y, y);
            }
        }
    }

    /// <summary>
    /// Given dL/d(output) in <paramref name="gradOutput"/> (overwritten with dL/d(pre-activation)), accumulates the
    /// parameter gradients and, unless <paramref name="gradInput"/> is empty, writes dL/d(input).
    /// </summary>
    public void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> output, Span<float> gradOutput,
        Span<float> gradInput, int rows)
    {
        Array.Clear(GradWeights);
        Array.Clear(GradBias);
        for (var i = 0; i < rows; i++)
        {
            var g = gradOutput.Slice(i * Outputs, Outputs);
            if (Tanh)
            {
                // d tanh(z)/dz = 1 − tanh²(z)
                var y = output.Slice(i * Outputs, Outputs);
                for (var j = 0; j < Outputs; j++)
                {
                    g[j] *= 1 - (y[j] * y[j]);
                }
            }

            TensorPrimitives.Add(GradBias, g, GradBias);
            var x = input.Slice(i * Inputs, Inputs);
            for (var k = 0; k < Inputs; k++)
            {
                var row = GradWeights.AsSpan(k * Outputs, Outputs);
                TensorPrimitives.MultiplyAdd(g, x[k], row, row);
            }

            if (!gradInput.IsEmpty)
            {
                var gx = gradInput.Slice(i * Inputs, Inputs);
                for (var k = 0; k < Inputs; k++)
                {
                    gx[k] = TensorPrimitives.Dot(Weights.AsSpan(k * Outputs, Outputs), g);
                }
            }
        }
    }

    /// <summary>Drops the gradients and Adam moments: a trained layer keeps only its weights and biases.</summary>
    public void ReleaseTrainingState()
    {
        GradWeights = [];
        GradBias = [];
        _mW = [];
        _vW = [];
        _mB = [];
        _vB = [];
    }

    /// <summary>One Adam step (Kingma and Ba, ICLR 2015, Algorithm 1) with bias-corrected moments.</summary>
    public void Step(double learningRate, int t)
    {
        const double beta1 = 0.9;
        const double beta2 = 0.999;
        const double epsilon = 1e-8;
        var alpha = learningRate * Math.Sqrt(1 - Math.Pow(beta2, t)) / (1 - Math.Pow(beta1, t));
        Adam(Weights, GradWeights, _mW, _vW);
        Adam(Bias, GradBias, _mB, _vB);

        void Adam(float[] p, float[] g, float[] m, float[] v)
        {
            for (var i = 0; i < p.Length; i++)
            {
                m[i] = (float)((beta1 * m[i]) + ((1 - beta1) * g[i]));
                v[i] = (float)((beta2 * v[i]) + ((1 - beta2) * g[i] * g[i]));
                p[i] -= (float)(alpha * m[i] / (Math.Sqrt(v[i]) + epsilon));
            }
        }
    }
}

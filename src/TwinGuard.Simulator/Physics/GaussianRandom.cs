namespace TwinGuard.Simulator.Physics;

/// <summary>A seeded source of uniform and normal variates; the same seed always gives the same sequence.</summary>
/// <remarks>
/// <see cref="Random(int)"/> with a seed uses the legacy subtractive generator whose sequence .NET keeps stable across
/// versions, which is what makes campaigns and physics reproducible from a seed. Normal variates use the Box–Muller
/// transform (Box and Muller, 1958) without caching the second variate, so each call consumes exactly two uniforms.
/// </remarks>
public sealed class GaussianRandom
{
    private readonly Random _random;

    /// <summary>Creates a generator for a seed.</summary>
    public GaussianRandom(int seed) => _random = new Random(seed);

    /// <summary>A uniform variate in [0, 1).</summary>
    public double NextDouble() => _random.NextDouble();

    /// <summary>A uniform variate in [min, max).</summary>
    public double Uniform(double min, double max) => min + ((max - min) * _random.NextDouble());

    /// <summary>A uniform integer in [0, maxExclusive).</summary>
    public int Next(int maxExclusive) => _random.Next(maxExclusive);

    /// <summary>A standard normal variate scaled by <paramref name="stdDev"/>.</summary>
    public double Normal(double stdDev)
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return stdDev * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Derives a seed for an independent stream, so that adding draws to one stream never shifts another.</summary>
    public static int DeriveSeed(int seed, int stream) =>
        unchecked((int)(((uint)seed * 2654435761u) ^ ((uint)stream * 40503u + 0x9E3779B9u)));
}

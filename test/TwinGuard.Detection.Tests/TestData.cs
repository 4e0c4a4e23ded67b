namespace TwinGuard.Detection.Tests;

/// <summary>Reproducible test matrices.</summary>
internal static class TestData
{
    /// <summary>n rows of d correlated Gaussian features (each column scaled differently).</summary>
    public static FeatureMatrix Gaussian(int n, int d, int seed, double scale = 1.0)
    {
        var random = new Random(seed);
        var m = new FeatureMatrix(n, d);
        for (var i = 0; i < n; i++)
        {
            var common = Normal(random);
            for (var j = 0; j < d; j++)
            {
                m[i, j] = scale * (j + 1) * ((0.6 * common) + (0.8 * Normal(random))) + (10 * j);
            }
        }

        return m;
    }

    /// <summary>n identical rows of value <paramref name="value"/>.</summary>
    public static FeatureMatrix Constant(int n, int d, double value)
    {
        var m = new FeatureMatrix(n, d);
        Array.Fill(m.Values, value);
        return m;
    }

    /// <summary>Two noisy cycles (periods 24 and 37 rows), the second one larger and offset.</summary>
    public static FeatureMatrix Cycles(int n, int seed)
    {
        var random = new Random(seed);
        var m = new FeatureMatrix(n, 2);
        for (var i = 0; i < n; i++)
        {
            m[i, 0] = Math.Sin(2 * Math.PI * i / 24) + (0.05 * ((random.NextDouble() * 2) - 1));
            m[i, 1] = 50 + (3 * Math.Sin(2 * Math.PI * i / 37)) + (0.15 * ((random.NextDouble() * 2) - 1));
        }

        return m;
    }

    private static double Normal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

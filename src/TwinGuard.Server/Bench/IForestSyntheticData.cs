using TwinGuard.Detection;

namespace TwinGuard.Server.Bench;

/// <summary>
/// The synthetic data of ../shared/peers/sklearn_iforest.py: 99 % N(0, I_d) rows and 1 % U(−6, 6)^d rows, shuffled;
/// label 1 marks the uniform outliers.
/// </summary>
/// <remarks>Same distribution as the Python peer, not the same draws (numpy's PCG64 stream is not reproduced here);
/// for identical rows the benchmark loads the peer's <c>--save-csv</c> output.</remarks>
internal static class IForestSyntheticData
{
    public static (FeatureMatrix Rows, bool[] Outlier) Generate(int n, int d, ulong seed)
    {
        var random = new Random(unchecked((int)seed));
        var outliers = (int)Math.Round(n * 0.01);
        var values = new double[n * d];
        var labels = new bool[n];
        var order = Enumerable.Range(0, n).ToArray();
        random.Shuffle(order);
        for (var i = 0; i < n; i++)
        {
            var row = order[i];
            var isOutlier = i < outliers;
            labels[row] = isOutlier;
            for (var j = 0; j < d; j++)
            {
                values[(row * d) + j] = isOutlier ? (random.NextDouble() * 12) - 6 : Gaussian(random);
            }
        }

        return (new FeatureMatrix(values, n, d), labels);
    }

    /// <summary>Reads the peer's <c>--save-csv</c> file: columns f0..f{d-1}, label.</summary>
    public static (FeatureMatrix Rows, bool[] Outlier) Load(string path)
    {
        var table = Offline.NumericCsvReader.Read(path, new Offline.CsvColumnSelection(',', null, null, ["label"]), ["label"]);
        return (table.Values, [.. table.Extra["label"].Select(v => v != 0)]);
    }

    /// <summary>ROC AUC of <paramref name="scores"/> for <paramref name="positive"/> (Mann–Whitney U, ties averaged).</summary>
    public static double RocAuc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> positive)
    {
        var n = scores.Length;
        var order = Enumerable.Range(0, n).ToArray();
        var copy = scores.ToArray();
        Array.Sort(copy, order);
        double rankSum = 0;
        long positives = 0;
        var i = 0;
        while (i < n)
        {
            var j = i;
            while (j + 1 < n && copy[j + 1] == copy[i])
            {
                j++;
            }

            var rank = ((i + j) / 2.0) + 1;
            for (var k = i; k <= j; k++)
            {
                if (positive[order[k]])
                {
                    rankSum += rank;
                    positives++;
                }
            }

            i = j + 1;
        }

        var negatives = n - positives;
        return positives == 0 || negatives == 0
            ? double.NaN
            : (rankSum - (positives * (positives + 1) / 2.0)) / ((double)positives * negatives);
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

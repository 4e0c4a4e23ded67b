namespace TwinGuard.Detection.IsolationForests;

/// <summary>The path-length arithmetic of Isolation Forest.</summary>
/// <remarks>
/// Liu, Ting and Zhou, "Isolation Forest", ICDM 2008, §2: c(n) = 2H(n − 1) − 2(n − 1)/n is the average path length of
/// an unsuccessful search in a binary search tree of n points, with H(i) ≈ ln(i) + 0.5772156649 (Euler's constant).
/// c(2) = 1 and c(n) = 0 for n ≤ 1, as in the journal version (Liu, Ting and Zhou, "Isolation-based anomaly
/// detection", ACM TKDD 6(1), 2012, eq. 1): a node of two points needs exactly one more split.
/// </remarks>
public static class PathLength
{
    /// <summary>The Euler–Mascheroni constant as the paper rounds it.</summary>
    public const double EulerGamma = 0.5772156649;

    /// <summary>H(i) ≈ ln(i) + γ, the paper's approximation of the i-th harmonic number.</summary>
    public static double Harmonic(double i) => Math.Log(i) + EulerGamma;

    /// <summary>c(n): the average path length of an unsuccessful BST search among <paramref name="n"/> points.</summary>
    public static double Average(double n) => n switch
    {
        <= 1 => 0.0,
        2 => 1.0,
        _ => (2.0 * Harmonic(n - 1)) - (2.0 * (n - 1) / n),
    };

    /// <summary>The anomaly score s(x, ψ) = 2^(−E[h(x)] / c(ψ)) (ICDM 2008, eq. 2).</summary>
    /// <param name="meanPathLength">E[h(x)], the path length averaged over the trees.</param>
    /// <param name="subsampleSize">ψ, the number of points each tree was grown from.</param>
    public static double Score(double meanPathLength, int subsampleSize)
    {
        var c = Average(subsampleSize);
        return c <= 0 ? 0.5 : Math.Pow(2.0, -meanPathLength / c);
    }

    /// <summary>The tree height limit l = ceiling(log2 ψ) (ICDM 2008, §4.1).</summary>
    public static int HeightLimit(int subsampleSize) =>
        subsampleSize <= 1 ? 0 : (int)Math.Ceiling(Math.Log2(subsampleSize));
}

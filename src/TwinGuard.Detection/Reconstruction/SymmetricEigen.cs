namespace TwinGuard.Detection.Reconstruction;

/// <summary>Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations.</summary>
/// <remarks>
/// Golub and Van Loan, <i>Matrix Computations</i>, 4th ed., §8.5.3 (cyclic Jacobi). Quadratic convergence, exact
/// orthogonality of the eigenvectors; fast enough for covariance matrices of a few dozen features.
/// </remarks>
internal static class SymmetricEigen
{
    /// <summary>Decomposes <paramref name="matrix"/> (n × n, row-major, destroyed).</summary>
    /// <returns>Eigenvalues in descending order, and eigenvectors as columns of a row-major n × n matrix.</returns>
    public static (double[] Values, double[] Vectors) Decompose(double[] matrix, int n)
    {
        var a = matrix;
        var v = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            v[(i * n) + i] = 1.0;
        }

        for (var sweep = 0; sweep < 100; sweep++)
        {
            var off = 0.0;
            var total = 0.0;
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    var x = a[(i * n) + j] * a[(i * n) + j];
                    total += x;
                    if (i != j)
                    {
                        off += x;
                    }
                }
            }

            if (off <= 1e-24 * Math.Max(total, double.Epsilon))
            {
                break;
            }

            for (var p = 0; p < n - 1; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    var apq = a[(p * n) + q];
                    if (Math.Abs(apq) < 1e-300)
                    {
                        continue;
                    }

                    // §8.5.2, the symmetric Schur decomposition of the 2 × 2 block.
                    var tau = (a[(q * n) + q] - a[(p * n) + p]) / (2.0 * apq);
                    var t = Math.Sign(tau) / (Math.Abs(tau) + Math.Sqrt(1.0 + (tau * tau)));
                    if (tau == 0)
                    {
                        t = 1.0;
                    }

                    var c = 1.0 / Math.Sqrt(1.0 + (t * t));
                    var s = t * c;
                    for (var k = 0; k < n; k++)
                    {
                        var akp = a[(k * n) + p];
                        var akq = a[(k * n) + q];
                        a[(k * n) + p] = (c * akp) - (s * akq);
                        a[(k * n) + q] = (s * akp) + (c * akq);
                    }

                    for (var k = 0; k < n; k++)
                    {
                        var apk = a[(p * n) + k];
                        var aqk = a[(q * n) + k];
                        a[(p * n) + k] = (c * apk) - (s * aqk);
                        a[(q * n) + k] = (s * apk) + (c * aqk);
                    }

                    for (var k = 0; k < n; k++)
                    {
                        var vkp = v[(k * n) + p];
                        var vkq = v[(k * n) + q];
                        v[(k * n) + p] = (c * vkp) - (s * vkq);
                        v[(k * n) + q] = (s * vkp) + (c * vkq);
                    }
                }
            }
        }

        var order = Enumerable.Range(0, n).OrderByDescending(i => a[(i * n) + i]).ToArray();
        var values = new double[n];
        var vectors = new double[n * n];
        for (var r = 0; r < n; r++)
        {
            var src = order[r];
            values[r] = a[(src * n) + src];
            for (var k = 0; k < n; k++)
            {
                vectors[(k * n) + r] = v[(k * n) + src];
            }
        }

        return (values, vectors);
    }
}

using TwinGuard.Ledger.Merkle;

namespace TwinGuard.Ledger.Proofs;

/// <summary>
/// Which subtrees make up a proof, as leaf ranges [Start, End), in the order the proof lists their hashes.
/// A proof's hashes are then MTH(D[Start:End]) of each range.
/// </summary>
internal static class ProofRanges
{
    /// <summary>RFC 6962 §2.1.1: PATH(m, D[n]).</summary>
    public static List<(long Start, long End)> Inclusion(long m, long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(m, n);
        var ranges = new List<(long, long)>();
        Path(m, 0, n, ranges);
        return ranges;
    }

    /// <summary>RFC 6962 §2.1.2: PROOF(m, D[n]) = SUBPROOF(m, D[n], true); empty when m == n or m == 0.</summary>
    public static List<(long Start, long End)> Consistency(long m, long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(m, n);
        var ranges = new List<(long, long)>();
        if (m > 0 && m < n)
        {
            SubProof(m, 0, n, true, ranges);
        }

        return ranges;
    }

    // RFC 6962 §2.1.1: for m < k, PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]);
    // for m >= k, PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k]).
    private static void Path(long m, long start, long n, List<(long, long)> ranges)
    {
        if (n == 1)
        {
            return;
        }

        var k = MerkleHash.LargestPowerOfTwoBelow(n);
        if (m < k)
        {
            Path(m, start, k, ranges);
            ranges.Add((start + k, start + n));
        }
        else
        {
            Path(m - k, start + k, n - k, ranges);
            ranges.Add((start, start + k));
        }
    }

    // RFC 6962 §2.1.2: SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])};
    // for m <= k, SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n]);
    // for m > k, SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]).
    private static void SubProof(long m, long start, long n, bool b, List<(long, long)> ranges)
    {
        if (m == n)
        {
            if (!b)
            {
                ranges.Add((start, start + n));
            }

            return;
        }

        var k = MerkleHash.LargestPowerOfTwoBelow(n);
        if (m <= k)
        {
            SubProof(m, start, k, b, ranges);
            ranges.Add((start + k, start + n));
        }
        else
        {
            SubProof(m - k, start + k, n - k, false, ranges);
            ranges.Add((start, start + k));
        }
    }
}

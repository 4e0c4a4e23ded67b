using System.Security.Cryptography;

namespace TwinGuard.Ledger.Merkle;

/// <summary>The RFC 6962 §2.1 hash rules: SHA-256 with a 0x00 prefix for leaves and 0x01 for interior nodes.</summary>
public static class MerkleHash
{
    /// <summary>Bytes in every hash (SHA-256).</summary>
    public const int Size = 32;

    /// <summary>RFC 6962 §2.1: the prefix of a leaf's hash input.</summary>
    public const byte LeafPrefix = 0x00;

    /// <summary>RFC 6962 §2.1: the prefix of an interior node's hash input.</summary>
    public const byte NodePrefix = 0x01;

    /// <summary>True when SHA-256 runs through OpenSSL's low-level functions rather than .NET's per-call EVP path.</summary>
    public static bool UsesNativeSha256 => Sha256.IsNative;

    /// <summary>The hash of an empty tree, MTH({}) = SHA-256() (RFC 6962 §2.1).</summary>
    public static byte[] EmptyRoot() => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>RFC 6962 §2.1: MTH({d(0)}) = SHA-256(0x00 || d(0)).</summary>
    public static void Leaf(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        // Small leaves (the common case) are hashed from the stack in one call; big ones incrementally.
        if (data.Length <= 255)
        {
            Span<byte> input = stackalloc byte[256];
            input[0] = LeafPrefix;
            data.CopyTo(input[1..]);
            Sha256.Hash(input[..(data.Length + 1)], destination);
            return;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        ReadOnlySpan<byte> prefix = [LeafPrefix];
        hash.AppendData(prefix);
        hash.AppendData(data);
        hash.GetHashAndReset(destination);
    }

    /// <summary>RFC 6962 §2.1: the leaf hash of <paramref name="data"/> as a new array.</summary>
    public static byte[] Leaf(ReadOnlySpan<byte> data)
    {
        var result = new byte[Size];
        Leaf(data, result);
        return result;
    }

    /// <summary>RFC 6962 §2.1: MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])).</summary>
    public static void Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[1 + (2 * Size)];
        input[0] = NodePrefix;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + Size)..]);
        Sha256.Hash(input, destination);
    }

    /// <summary>RFC 6962 §2.1: the interior node hash of two children as a new array.</summary>
    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var result = new byte[Size];
        Node(left, right, result);
        return result;
    }

    /// <summary>
    /// RFC 6962 §2.1: the Merkle Tree Hash of a list of leaf hashes by the recursive definition
    /// (split at the largest power of two smaller than n). O(n) hashing, O(log n) stack; for tests and proofs.
    /// </summary>
    public static byte[] Root(IReadOnlyList<byte[]> leafHashes) => Root(leafHashes, 0, leafHashes.Count);

    /// <summary>The Merkle Tree Hash of the leaf hashes in [start, end).</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leafHashes, int start, int end)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        var n = end - start;
        if (n == 0)
        {
            return EmptyRoot();
        }

        if (n == 1)
        {
            return leafHashes[start];
        }

        var k = (int)LargestPowerOfTwoBelow(n);
        return Node(Root(leafHashes, start, start + k), Root(leafHashes, start + k, end));
    }

    /// <summary>RFC 6962 §2.1: the largest power of two smaller than <paramref name="n"/> (n &gt; 1).</summary>
    public static long LargestPowerOfTwoBelow(long n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2);
        return 1L << (63 - (int)long.LeadingZeroCount(n - 1));
    }
}

using FsCheck.Xunit;
using TwinGuard.Ledger.Merkle;

namespace TwinGuard.Ledger.Tests;

public sealed class MerkleHashTests
{
    // The RFC 6962 reference test leaves used by certificate-transparency and transparency-dev/merkle.
    private static readonly byte[][] ReferenceLeaves =
    [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ];

    private static readonly string[] ReferenceRoots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    [Fact]
    public void Root_EmptyTree_IsSha256OfNothing() =>
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            Convert.ToHexStringLower(MerkleHash.Root([])));

    [Fact]
    public void Root_ReferenceVectors_MatchPublishedRoots()
    {
        var leaves = ReferenceLeaves.Select(l => MerkleHash.Leaf(l)).ToArray();
        for (var n = 1; n <= leaves.Length; n++)
        {
            Assert.Equal(ReferenceRoots[n - 1], Convert.ToHexStringLower(MerkleHash.Root(leaves[..n])));
        }
    }

    [Fact]
    public void CompactRange_ReferenceVectors_MatchPublishedRoots()
    {
        var range = new CompactRange();
        for (var n = 1; n <= ReferenceLeaves.Length; n++)
        {
            range.Append(MerkleHash.Leaf(ReferenceLeaves[n - 1]));
            Assert.Equal(ReferenceRoots[n - 1], Convert.ToHexStringLower(range.Root()));
        }
    }

    [Fact]
    public void Leaf_LargeData_SameAsPrefixedSha256()
    {
        var data = new byte[1000];
        new Random(5).NextBytes(data);
        var expected = System.Security.Cryptography.SHA256.HashData([0x00, .. data]);
        Assert.Equal(expected, MerkleHash.Leaf(data));
    }

    [Property(MaxTest = 200)]
    public bool CompactRange_AnySize_EqualsRecursiveDefinition(byte size, int seed)
    {
        var random = new Random(seed);
        var leaves = Enumerable.Range(0, size).Select(_ =>
        {
            var data = new byte[random.Next(0, 40)];
            random.NextBytes(data);
            return MerkleHash.Leaf(data);
        }).ToList();
        var range = new CompactRange();
        foreach (var leaf in leaves)
        {
            range.Append(leaf);
        }

        return range.Root().AsSpan().SequenceEqual(MerkleHash.Root(leaves));
    }

    [Property(MaxTest = 100)]
    public bool CompactRange_AlignedSubtrees_EqualLeafByLeaf(byte blocks, byte extra)
    {
        const int level = 3;
        var leaves = Enumerable.Range(0, (blocks % 20 * 8) + (extra % 8)).Select(i => MerkleHash.Leaf([(byte)i, (byte)(i >> 8)])).ToList();
        var range = new CompactRange();
        var i = 0;
        for (; i + 8 <= leaves.Count; i += 8)
        {
            range.AppendSubtree(MerkleHash.Root(leaves, i, i + 8), level);
        }

        for (; i < leaves.Count; i++)
        {
            range.Append(leaves[i]);
        }

        return range.Root().AsSpan().SequenceEqual(MerkleHash.Root(leaves));
    }
}

using FsCheck.Xunit;
using TwinGuard.Ledger.Merkle;
using TwinGuard.Ledger.Proofs;

namespace TwinGuard.Ledger.Tests;

public sealed class ProofTests
{
    private static List<byte[]> Leaves(int n) =>
        Enumerable.Range(0, n).Select(i => MerkleHash.Leaf(BitConverter.GetBytes(i * 7919))).ToList();

    private static InclusionProof Inclusion(List<byte[]> leaves, long m, long n) =>
        new(m, n, ProofRanges.Inclusion(m, n).Select(r => MerkleHash.Root(leaves, (int)r.Start, (int)r.End)).ToList());

    private static ConsistencyProof Consistency(List<byte[]> leaves, long m, long n) =>
        new(m, n, ProofRanges.Consistency(m, n).Select(r => MerkleHash.Root(leaves, (int)r.Start, (int)r.End)).ToList());

    [Fact]
    public void ProveInclusion_ReferenceTree_MatchesPublishedPath()
    {
        // RFC 6962 reference leaves (see MerkleHashTests); path of leaf 0 in the tree of 8 from the CT test suite.
        byte[][] data =
        [
            [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
            [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
        ];
        var leaves = data.Select(d => MerkleHash.Leaf(d)).ToList();
        var proof = Inclusion(leaves, 0, 8);
        Assert.Equal(
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
            proof.Path.Select(Convert.ToHexStringLower));
    }

    [Property(MaxTest = 300)]
    public bool InclusionProof_AnyLeafOfAnyTree_Verifies(ushort size, ushort leaf)
    {
        var n = (size % 300) + 1;
        var m = leaf % n;
        var leaves = Leaves(n);
        var proof = Inclusion(leaves, m, n);
        return proof.Verify(leaves[m], MerkleHash.Root(leaves))
               && proof.Path.Count <= Math.Ceiling(Math.Log2(n));
    }

    [Property(MaxTest = 300)]
    public bool InclusionProof_AnyPartAltered_Fails(ushort size, ushort leaf, byte which, byte bit)
    {
        var n = (size % 300) + 2;
        var m = leaf % n;
        var leaves = Leaves(n);
        var root = MerkleHash.Root(leaves);
        var proof = Inclusion(leaves, m, n);
        var flip = (byte)(1 << (bit % 8));
        switch (which % 6)
        {
            case 0:
                var badLeaf = (byte[])leaves[m].Clone();
                badLeaf[bit % 32] ^= flip;
                return !proof.Verify(badLeaf, root);
            case 1:
                var badRoot = (byte[])root.Clone();
                badRoot[bit % 32] ^= flip;
                return !proof.Verify(leaves[m], badRoot);
            case 2:
                var path = proof.Path.Select(p => (byte[])p.Clone()).ToList();
                path[bit % path.Count][which % 32] ^= flip;
                return !(proof with { Path = path }).Verify(leaves[m], root);
            case 3:
                return !(proof with { LeafIndex = (m + 1 + (bit % (n - 1))) % n }).Verify(leaves[m], root);
            case 4:
                return !(proof with { Path = proof.Path.Take(proof.Path.Count - 1).ToList() }).Verify(leaves[m], root);
            default:
                return !(proof with { Path = [.. proof.Path, root] }).Verify(leaves[m], root);
        }
    }

    [Property(MaxTest = 300)]
    public bool ConsistencyProof_AnyTwoSizes_Verifies(ushort first, ushort second)
    {
        var n = (second % 300) + 1;
        var m = first % (n + 1);
        var leaves = Leaves(n);
        var proof = Consistency(leaves, m, n);
        return proof.Verify(MerkleHash.Root(leaves.Take(m).ToList()), MerkleHash.Root(leaves))
               && proof.Path.Count <= (2 * Math.Ceiling(Math.Log2(n))) + 1;
    }

    [Property(MaxTest = 300)]
    public bool ConsistencyProof_AnyPartAltered_Fails(ushort first, ushort second, byte which, byte bit)
    {
        var n = (second % 300) + 3;
        var m = (first % (n - 2)) + 1; // 1 <= m < n: a proof with content
        var leaves = Leaves(n);
        var firstRoot = MerkleHash.Root(leaves.Take(m).ToList());
        var secondRoot = MerkleHash.Root(leaves);
        var proof = Consistency(leaves, m, n);
        var flip = (byte)(1 << (bit % 8));
        switch (which % 5)
        {
            case 0:
                var badFirst = (byte[])firstRoot.Clone();
                badFirst[bit % 32] ^= flip;
                return !proof.Verify(badFirst, secondRoot);
            case 1:
                var badSecond = (byte[])secondRoot.Clone();
                badSecond[bit % 32] ^= flip;
                return !proof.Verify(firstRoot, badSecond);
            case 2:
                var path = proof.Path.Select(p => (byte[])p.Clone()).ToList();
                path[bit % path.Count][which % 32] ^= flip;
                return !(proof with { Path = path }).Verify(firstRoot, secondRoot);
            case 3:
                // A different (but genuine) older tree is not the one this proof links.
                var other = (m % (n - 1)) + 1 == m ? m + 1 : (m % (n - 1)) + 1;
                var otherRoot = MerkleHash.Root(leaves.Take(other).ToList());
                return !proof.Verify(otherRoot, secondRoot);
            default:
                return !(proof with { Path = proof.Path.Skip(1).ToList() }).Verify(firstRoot, secondRoot);
        }
    }

    [Fact]
    public void ConsistencyProof_RewrittenHistory_Fails()
    {
        var leaves = Leaves(20);
        var firstRoot = MerkleHash.Root(leaves.Take(7).ToList());
        var rewritten = leaves.ToList();
        rewritten[3] = MerkleHash.Leaf([1, 2, 3]);
        var proof = Consistency(rewritten, 7, 20);
        Assert.False(proof.Verify(firstRoot, MerkleHash.Root(rewritten)));
    }
}

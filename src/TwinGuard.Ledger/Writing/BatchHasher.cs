using System.Buffers.Binary;
using TwinGuard.Ledger.Merkle;
using TwinGuard.Ledger.Storage;

namespace TwinGuard.Ledger.Writing;

/// <summary>
/// Hashes a batch of records into the tree on all cores: leaf hashes (and each record's check bytes) in parallel,
/// then the roots of the perfect subtrees of <see cref="BlockSize"/> aligned leaves in parallel, and finally a
/// short sequential pass that adds those roots (and the unaligned leaves at either end) to the compact range.
/// </summary>
/// <remarks>
/// The result is the same RFC 6962 tree as appending leaf by leaf: an aligned block of 2^k leaves is exactly the
/// subtree MTH(D[a:a+2^k]) that §2.1's split produces, so the compact range can take its root at once.
/// </remarks>
internal sealed class BatchHasher
{
    private const int BlockLevel = 6;
    private const int BlockSize = 1 << BlockLevel;
    private const int ParallelThreshold = 2048;
    private readonly int _workers = Math.Clamp(Environment.ProcessorCount, 1, 4);
    private int[] _positions = new int[4096];
    private int[] _lengths = new int[4096];
    private byte[] _leaves = new byte[4096 * MerkleHash.Size];
    private byte[] _blockRoots = new byte[(4096 / BlockSize) * MerkleHash.Size];

    /// <summary>Seals every record in buffer[0..length) and appends their leaves, in order, to <paramref name="tree"/>.</summary>
    public void HashInto(byte[] buffer, int length, long firstIndex, CompactRange tree)
    {
        var count = Parse(buffer, length);
        var head = (int)Math.Min(count, (BlockSize - (firstIndex % BlockSize)) % BlockSize);
        var blocks = (count - head) / BlockSize;
        if (count < ParallelThreshold)
        {
            HashLeaves(buffer, 0, count);
            for (var i = 0; i < count; i++)
            {
                tree.Append(Leaf(i));
            }

            return;
        }

        var workers = _workers;
        Parallel.For(0, workers, w => HashLeaves(buffer, count * w / workers, count * (w + 1) / workers));
        Parallel.For(0, workers, w => HashBlocks(head, blocks * w / workers, blocks * (w + 1) / workers));

        for (var i = 0; i < head; i++)
        {
            tree.Append(Leaf(i));
        }

        for (var b = 0; b < blocks; b++)
        {
            tree.AppendSubtree(_blockRoots.AsSpan(b * MerkleHash.Size, MerkleHash.Size), BlockLevel);
        }

        for (var i = head + (blocks * BlockSize); i < count; i++)
        {
            tree.Append(Leaf(i));
        }
    }

    private ReadOnlySpan<byte> Leaf(int i) => _leaves.AsSpan(i * MerkleHash.Size, MerkleHash.Size);

    private int Parse(byte[] buffer, int length)
    {
        var count = 0;
        var offset = 0;
        while (offset < length)
        {
            if (count == _positions.Length)
            {
                Array.Resize(ref _positions, count * 2);
                Array.Resize(ref _lengths, count * 2);
                Array.Resize(ref _leaves, count * 2 * MerkleHash.Size);
                Array.Resize(ref _blockRoots, count * 2 / BlockSize * MerkleHash.Size);
            }

            var payload = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(offset + 4));
            _positions[count] = offset;
            _lengths[count] = payload;
            count++;
            offset += RecordFormat.RecordLength(payload);
        }

        return count;
    }

    private void HashLeaves(byte[] buffer, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var record = buffer.AsSpan(_positions[i], RecordFormat.RecordLength(_lengths[i]));
            RecordFormat.HashAndSeal(record, _lengths[i], _leaves.AsSpan(i * MerkleHash.Size, MerkleHash.Size));
        }
    }

    private void HashBlocks(int head, int from, int to)
    {
        Span<byte> scratch = stackalloc byte[(BlockSize / 2) * MerkleHash.Size];
        for (var b = from; b < to; b++)
        {
            var leaves = _leaves.AsSpan((head + (b * BlockSize)) * MerkleHash.Size, BlockSize * MerkleHash.Size);

            // Level by level: pairs of leaves into scratch, then pairs within scratch until one root remains.
            for (var i = 0; i < BlockSize / 2; i++)
            {
                MerkleHash.Node(leaves.Slice(2 * i * MerkleHash.Size, MerkleHash.Size),
                    leaves.Slice(((2 * i) + 1) * MerkleHash.Size, MerkleHash.Size),
                    scratch.Slice(i * MerkleHash.Size, MerkleHash.Size));
            }

            for (var width = BlockSize / 4; width >= 1; width /= 2)
            {
                for (var i = 0; i < width; i++)
                {
                    MerkleHash.Node(scratch.Slice(2 * i * MerkleHash.Size, MerkleHash.Size),
                        scratch.Slice(((2 * i) + 1) * MerkleHash.Size, MerkleHash.Size),
                        scratch.Slice(i * MerkleHash.Size, MerkleHash.Size));
                }
            }

            scratch[..MerkleHash.Size].CopyTo(_blockRoots.AsSpan(b * MerkleHash.Size, MerkleHash.Size));
        }
    }
}

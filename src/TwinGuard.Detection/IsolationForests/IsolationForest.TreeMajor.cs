using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TwinGuard.Detection.IsolationForests;

/// <summary>
/// Batch scoring tree by tree over blocks of rows: one tree (5 KB) and one block of rows (≤ 16 KB) stay in the L1 cache
/// while twelve interleaved walks go through the tree.
/// </summary>
/// <remarks>
/// The row-major walk sends eight rows through all t trees (510 KB at t = 100, ψ = 256): the deep levels then come from
/// L2, and each level of every walk waits for an L2 hit before the row's value can be loaded. Here a block of rows is
/// copied column by column into a scratch buffer and every tree is walked for the whole block before the next tree, so
/// the node and the row loads hit L1. The column-major copy lets one base register address all twelve rows (the row is a
/// constant displacement), which leaves registers for the walks. A row's path lengths are still added in tree
/// order from zero, so the scores are bit-identical to <see cref="Score(ReadOnlySpan{double})"/>.
/// </remarks>
public sealed partial class IsolationForest
{
    private const int Lanes = 12;
    private const int BlockValues = 2048; // 16 KB of doubles: half of a 32 KB L1 data cache, the tree takes ~6 KB
    private const int MaxBlockRows = 256;

    // Rows per block for a d-column model: a multiple of the lanes, BlockValues / d at most (but at least one group).
    private static int BlockRowsFor(int columns) => Math.Clamp(BlockValues / columns, Lanes, MaxBlockRows) / Lanes * Lanes;

    // Scratch on the stack, not zeroed (every slot read is written first): scoring allocates nothing. Rows wider than
    // BlockValues / Lanes columns rent their block from the pool.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private void ScoreRangeTreeMajor(double[] values, int columns, int start, int count, Span<double> scores)
    {
        var blockRows = _blockRows;
        var trees = Options.Trees;
        var height = Height;
        var internalPerTree = _internalPerTree;
        var leavesPerTree = _leavesPerTree;
        var scale = ScoreScale();
        var blockValues = blockRows * columns;
        double[]? rented = null;
        var block = blockValues <= BlockValues
            ? stackalloc double[BlockValues]
            : (rented = ArrayPool<double>.Shared.Rent(blockValues));
        Span<double> sums = stackalloc double[MaxBlockRows];
        ref var offset0 = ref MemoryMarshal.GetArrayDataReference(_blockOffset);
        ref var threshold0 = ref MemoryMarshal.GetArrayDataReference(_threshold);
        ref var leaf0 = ref MemoryMarshal.GetArrayDataReference(_leafPathLength);
        ref var x0 = ref MemoryMarshal.GetReference(block);
        ref var s0 = ref MemoryMarshal.GetReference(sums);
        for (var first = 0; first < count; first += blockRows)
        {
            var rows = Math.Min(blockRows, count - first);
            var groups = (rows + Lanes - 1) / Lanes;
            Transpose(values.AsSpan((start + first) * columns, rows * columns), columns, rows, blockRows, block);
            sums[..(groups * Lanes)].Clear();
            for (var t = 0; t < trees; t++)
            {
                ref var off = ref Unsafe.Add(ref offset0, t * internalPerTree);
                ref var th = ref Unsafe.Add(ref threshold0, t * internalPerTree);
                ref var lf = ref Unsafe.Add(ref leaf0, (t * leavesPerTree) - internalPerTree);
                for (var g = 0; g < groups; g++)
                {
                    WalkGroup(ref off, ref th, ref lf, ref Unsafe.Add(ref x0, g * Lanes), ref Unsafe.Add(ref s0, g * Lanes), height);
                }
            }

            for (var i = 0; i < rows; i++)
            {
                scores[first + i] = Math.Pow(2.0, sums[i] * scale);
            }
        }

        if (rented is not null)
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    // Column-major copy: block[q * blockRows + i] = row i's value q; rows past the end of the range read as zero.
    private static void Transpose(ReadOnlySpan<double> source, int columns, int rows, int blockRows, Span<double> block)
    {
        for (var q = 0; q < columns; q++)
        {
            var column = block.Slice(q * blockRows, blockRows);
            for (var i = 0; i < rows; i++)
            {
                column[i] = source[(i * columns) + q];
            }

            column[rows..].Clear();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WalkGroup(ref int offset, ref double threshold, ref double leaves, ref double x, ref double sums, int height)
    {
        // Every walk starts at the root, whose feature and threshold load once for the twelve (height ≥ 1 here).
        var n0 = Step(ref offset, ref threshold, ref x, 0, 0);
        var n1 = Step(ref offset, ref threshold, ref x, 1, 0);
        var n2 = Step(ref offset, ref threshold, ref x, 2, 0);
        var n3 = Step(ref offset, ref threshold, ref x, 3, 0);
        var n4 = Step(ref offset, ref threshold, ref x, 4, 0);
        var n5 = Step(ref offset, ref threshold, ref x, 5, 0);
        var n6 = Step(ref offset, ref threshold, ref x, 6, 0);
        var n7 = Step(ref offset, ref threshold, ref x, 7, 0);
        var n8 = Step(ref offset, ref threshold, ref x, 8, 0);
        var n9 = Step(ref offset, ref threshold, ref x, 9, 0);
        var n10 = Step(ref offset, ref threshold, ref x, 10, 0);
        var n11 = Step(ref offset, ref threshold, ref x, 11, 0);
        for (var level = 1; level < height; level++)
        {
            n0 = Step(ref offset, ref threshold, ref x, 0, n0);
            n1 = Step(ref offset, ref threshold, ref x, 1, n1);
            n2 = Step(ref offset, ref threshold, ref x, 2, n2);
            n3 = Step(ref offset, ref threshold, ref x, 3, n3);
            n4 = Step(ref offset, ref threshold, ref x, 4, n4);
            n5 = Step(ref offset, ref threshold, ref x, 5, n5);
            n6 = Step(ref offset, ref threshold, ref x, 6, n6);
            n7 = Step(ref offset, ref threshold, ref x, 7, n7);
            n8 = Step(ref offset, ref threshold, ref x, 8, n8);
            n9 = Step(ref offset, ref threshold, ref x, 9, n9);
            n10 = Step(ref offset, ref threshold, ref x, 10, n10);
            n11 = Step(ref offset, ref threshold, ref x, 11, n11);
        }

        Unsafe.Add(ref sums, 0) += Unsafe.Add(ref leaves, n0);
        Unsafe.Add(ref sums, 1) += Unsafe.Add(ref leaves, n1);
        Unsafe.Add(ref sums, 2) += Unsafe.Add(ref leaves, n2);
        Unsafe.Add(ref sums, 3) += Unsafe.Add(ref leaves, n3);
        Unsafe.Add(ref sums, 4) += Unsafe.Add(ref leaves, n4);
        Unsafe.Add(ref sums, 5) += Unsafe.Add(ref leaves, n5);
        Unsafe.Add(ref sums, 6) += Unsafe.Add(ref leaves, n6);
        Unsafe.Add(ref sums, 7) += Unsafe.Add(ref leaves, n7);
        Unsafe.Add(ref sums, 8) += Unsafe.Add(ref leaves, n8);
        Unsafe.Add(ref sums, 9) += Unsafe.Add(ref leaves, n9);
        Unsafe.Add(ref sums, 10) += Unsafe.Add(ref leaves, n10);
        Unsafe.Add(ref sums, 11) += Unsafe.Add(ref leaves, n11);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Step(ref int offset, ref double threshold, ref double x, int lane, nint node)
    {
        // x + offset + lane rather than (x + lane) + offset: the lane is then a constant displacement of the load.
        var value = Unsafe.Add(ref Unsafe.Add(ref x, Unsafe.Add(ref offset, node)), lane);
        return (2 * node) + 1 + Unsafe.BitCast<bool, byte>(value >= Unsafe.Add(ref threshold, node));
    }
}

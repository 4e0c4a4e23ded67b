using System.Buffers.Binary;
using System.Security.Cryptography;
using TwinGuard.Ledger.Merkle;

namespace TwinGuard.Ledger.Storage;

/// <summary>
/// <c>tree-state.tgs</c>: where the log stood at the newest checkpoint (tree size, the compact range, the segment
/// and offset where the next entry goes), so a restart need not re-hash the whole log. A cache, not evidence: it is
/// used only when its subtree roots fold to the root that the newest checkpoint signs, and ignored otherwise.
/// </summary>
/// <remarks>
/// <code>
/// "TGTS" | version u16 = 1 | depth u16 | tree size i64 | segment first index i64 | offset i64 | depth × 32 | SHA-256 of all before
/// </code>
/// </remarks>
internal sealed record TreeState(long TreeSize, long SegmentFirstIndex, long Offset, byte[] Stack)
{
    public const string FileName = "tree-state.tgs";
    private const int FixedSize = 4 + 2 + 2 + 8 + 8 + 8;

    public static TreeState? TryRead(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var bytes = File.ReadAllBytes(path);
            if (bytes.Length < FixedSize + 32 || !bytes.AsSpan(0, 4).SequenceEqual("TGTS"u8)
                || BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(4)) != 1)
            {
                return null;
            }

            var depth = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(6));
            var body = FixedSize + (depth * MerkleHash.Size);
            if (bytes.Length != body + 32 || !SHA256.HashData(bytes.AsSpan(0, body)).AsSpan().SequenceEqual(bytes.AsSpan(body)))
            {
                return null;
            }

            var state = new TreeState(BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(8)),
                BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(24)),
                bytes.AsSpan(FixedSize, depth * MerkleHash.Size).ToArray());
            return state.TreeSize >= 0 && long.PopCount(state.TreeSize) == depth && state.Offset >= SegmentFormat.HeaderSize
                ? state
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Replaces the file (temp file, then rename); losing it costs only a slower start.</summary>
    public void Write(string directory)
    {
        var depth = Stack.Length / MerkleHash.Size;
        var bytes = new byte[FixedSize + Stack.Length + 32];
        "TGTS"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), (ushort)depth);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(8), TreeSize);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(16), SegmentFirstIndex);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(24), Offset);
        Stack.CopyTo(bytes, FixedSize);
        SHA256.HashData(bytes.AsSpan(0, FixedSize + Stack.Length), bytes.AsSpan(FixedSize + Stack.Length));
        var path = Path.Combine(directory, FileName);
        File.WriteAllBytes(path + ".tmp", bytes);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}

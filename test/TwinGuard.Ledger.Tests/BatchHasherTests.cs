using System.Security.Cryptography;
using FsCheck.Xunit;
using TwinGuard.Ledger.Merkle;
using TwinGuard.Ledger.Storage;
using TwinGuard.Ledger.Writing;

namespace TwinGuard.Ledger.Tests;

public sealed class BatchHasherTests
{
    [Property(MaxTest = 25)]
    public bool HashInto_ParallelBlocks_SameTreeAndChecksAsLeafByLeaf(ushort before, ushort count, int seed)
    {
        var random = new Random(seed);
        var first = before % 500;
        var n = 2048 + (count % 3000); // above the parallel threshold
        var records = new List<byte[]>();
        for (var i = 0; i < n; i++)
        {
            var payload = new byte[random.Next(0, 60)];
            random.NextBytes(payload);
            var record = new byte[RecordFormat.RecordLength(payload.Length)];
            RecordFormat.WriteUnhashed(record, LedgerEntryKind.ReadingBatch, first + i, i, payload);
            records.Add(record);
        }

        var buffer = records.SelectMany(r => r).ToArray();
        var prefix = Enumerable.Range(0, first).Select(i => MerkleHash.Leaf([(byte)i])).ToList();
        var batched = new CompactRange();
        var expected = new CompactRange();
        foreach (var leaf in prefix)
        {
            batched.Append(leaf);
            expected.Append(leaf);
        }

        new BatchHasher().HashInto(buffer, buffer.Length, first, batched);

        var offset = 0;
        foreach (var record in records)
        {
            var leaf = SHA256.HashData(record.AsSpan(0, record.Length - 8));
            expected.Append(leaf);
            if (!buffer.AsSpan(offset + record.Length - 8, 8).SequenceEqual(leaf.AsSpan(0, 8)))
            {
                return false;
            }

            offset += record.Length;
        }

        return batched.Size == expected.Size && batched.Root().AsSpan().SequenceEqual(expected.Root());
    }

    [Property(MaxTest = 200)]
    public bool Sha256_AnyInput_SameAsDotNet(byte[] data)
    {
        Span<byte> actual = stackalloc byte[32];
        Sha256.Hash(data, actual);
        return actual.SequenceEqual(SHA256.HashData(data));
    }

    [Fact]
    public void Sha256_LargeInput_SameAsDotNet()
    {
        var data = new byte[100_000];
        new Random(9).NextBytes(data);
        var actual = new byte[32];
        Sha256.Hash(data, actual);
        Assert.Equal(SHA256.HashData(data), actual);
    }
}

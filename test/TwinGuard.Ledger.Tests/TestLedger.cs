using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace TwinGuard.Ledger.Tests;

/// <summary>Writes small ledgers for tests.</summary>
internal static class TestLedger
{
    public static readonly DateTimeOffset Start = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Small segments and no fsync: many segment boundaries, fast tests.</summary>
    public static LedgerOptions SmallSegments(long checkpointEvery = 1 << 20) => new()
    {
        FsyncEachBatch = false,
        SegmentBytes = 4096,
        MaxBatchBytes = 4096,
        CheckpointEveryEntries = checkpointEvery,
        CheckpointInterval = Timeout.InfiniteTimeSpan,
    };

    public static byte[] Payload(int index, int size)
    {
        var text = Encoding.UTF8.GetBytes($"{{\"entry\":{index},\"pad\":\"");
        var payload = new byte[Math.Max(size, 0)];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = i < text.Length ? text[i] : (byte)('a' + ((index + i) % 26));
        }

        return payload;
    }

    /// <summary>Writes <paramref name="sizes"/>.Length entries, flushing after each so batches (and segments) are small.</summary>
    public static async Task WriteAsync(string directory, IReadOnlyList<int> sizes, LedgerOptions? options = null,
        int checkpointEvery = 0)
    {
        var time = new FakeTimeProvider(Start);
        await using var writer = LedgerWriter.Open(directory, options ?? SmallSegments(), time);
        for (var i = 0; i < sizes.Count; i++)
        {
            writer.Append((LedgerEntryKind)(1 + (i % 9)), Payload(i, sizes[i]));
            time.Advance(TimeSpan.FromMilliseconds(1));
            await writer.FlushAsync();
            if (checkpointEvery > 0 && (i + 1) % checkpointEvery == 0)
            {
                await writer.CheckpointAsync();
            }
        }
    }
}

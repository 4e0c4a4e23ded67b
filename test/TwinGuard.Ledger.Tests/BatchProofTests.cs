namespace TwinGuard.Ledger.Tests;

/// <summary><c>LedgerReader.ProveInclusions</c> and <see cref="LedgerReader.Scan"/> against the one-at-a-time reads.</summary>
public sealed class BatchProofTests
{
    [Fact]
    public async Task ProveInclusions_ManyEntriesOfSeveralTrees_EqualOneProofAtATime()
    {
        using var temp = new TempDirectory();
        await TestLedger.WriteAsync(temp.Path, Enumerable.Range(0, 77).Select(i => 40 + (i % 13)).ToArray());
        using var reader = LedgerReader.Open(temp.Path);
        foreach (var treeSize in new long[] { 1, 2, 3, 8, 31, 64, 77 })
        {
            var indices = Enumerable.Range(0, (int)treeSize).Where(i => i % 3 == 0 || i == treeSize - 1).Select(i => (long)i).ToList();
            var entries = new Dictionary<long, LedgerEntry>();
            var batch = reader.ProveInclusions(indices, treeSize, e => entries.Add(e.Index, e));
            Assert.Equal(indices.Count, batch.Count);
            Assert.Equal(indices, entries.Keys.Order());
            foreach (var index in indices)
            {
                var single = reader.ProveInclusion(index, treeSize);
                Assert.Equal(single.Path.Select(Convert.ToHexStringLower), batch[index].Path.Select(Convert.ToHexStringLower));
                var stored = reader.ReadEntry(index);
                Assert.Equal((stored.Kind, stored.Timestamp), (entries[index].Kind, entries[index].Timestamp));
                Assert.Equal(stored.Payload.ToArray(), entries[index].Payload.ToArray());
                Assert.True(batch[index].Verify(entries[index].ComputeLeafHash(), reader.ComputeRoot(treeSize)));
            }
        }
    }

    [Fact]
    public async Task ProveInclusions_IndexBeyondTree_Throws()
    {
        using var temp = new TempDirectory();
        await TestLedger.WriteAsync(temp.Path, [50, 50, 50]);
        using var reader = LedgerReader.Open(temp.Path);
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.ProveInclusions([1, 3], 3));
    }

    [Fact]
    public async Task Scan_WholeLog_VisitsEveryEntryInOrderWithItsPayload()
    {
        using var temp = new TempDirectory();
        await TestLedger.WriteAsync(temp.Path, Enumerable.Range(0, 40).Select(i => 30 + i).ToArray());
        using var reader = LedgerReader.Open(temp.Path);
        var seen = new List<(long, int)>();
        var visited = reader.Scan((index, kind, _, payload) =>
        {
            seen.Add((index, payload.Length));
            return index < 24;
        });
        Assert.Equal(25, visited);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => ((long)i, 30 + i)), seen);
        Assert.Equal(reader.ReadEntry(7).Payload.ToArray().Length, seen[7].Item2);
    }
}

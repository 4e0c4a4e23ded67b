using TwinGuard.Ledger.Proofs;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Ledger.Tests;

/// <summary>Proofs built during the full verification's read (<see cref="InclusionProofCollector"/>) against one proof at a time.</summary>
public sealed class InclusionProofCollectorTests
{
    [Fact]
    public async Task Verify_TrackingNewestAndEverySeventh_ProofsEqualOneAtATime()
    {
        using var temp = new TempDirectory();
        await TestLedger.WriteAsync(temp.Path, Enumerable.Range(0, 77).Select(i => 40 + (i % 13)).ToArray());
        using var reader = LedgerReader.Open(temp.Path);
        foreach (var treeSize in new long[] { 1, 2, 3, 5, 8, 31, 64, 65, 77 })
        {
            var collector = new InclusionProofCollector(treeSize);
            var newest = new Queue<long>();
            var result = LedgerVerifier.Verify(temp.Path, new LedgerVerificationOptions(), (index, kind, timestamp, payload) =>
            {
                collector.Track(index, kind, timestamp, payload);
                if (index % 7 == 0)
                {
                    collector.Track(index, kind, timestamp, payload); // a second reference: kept when the queue lets go
                }

                newest.Enqueue(index);
                if (newest.Count > 3)
                {
                    collector.Release(newest.Dequeue());
                }

                return true;
            }, collector);

            Assert.True(result.Ok, result.Problem?.Message);
            Assert.True(collector.IsSealed);
            var proofs = collector.Proofs();
            var expected = Enumerable.Range(0, (int)treeSize).Select(i => (long)i).Where(i => i % 7 == 0 || i >= treeSize - 3).ToList();
            Assert.Equal(expected, proofs.Keys.Order());
            foreach (var (index, (entry, proof)) in proofs)
            {
                var single = reader.ProveInclusion(index, treeSize);
                Assert.Equal(single.Path.Select(Convert.ToHexStringLower), proof.Path.Select(Convert.ToHexStringLower));
                Assert.Equal(reader.ReadEntry(index).Payload.ToArray(), entry.Payload.ToArray());
                Assert.True(proof.Verify(entry.ComputeLeafHash(), reader.ComputeRoot(treeSize)));
            }
        }
    }

    [Fact]
    public async Task Proofs_PassEndedBelowTreeSize_Throws()
    {
        using var temp = new TempDirectory();
        await TestLedger.WriteAsync(temp.Path, [50, 50, 50]);
        var collector = new InclusionProofCollector(5);
        LedgerVerifier.Verify(temp.Path, new LedgerVerificationOptions(), null, collector);
        Assert.False(collector.IsSealed);
        Assert.Throws<InvalidDataException>(() => collector.Proofs());
    }

    [Fact]
    public void Track_EntryAlreadyPassed_Throws()
    {
        var collector = new InclusionProofCollector(4);
        Assert.Throws<InvalidOperationException>(() => collector.Track(2, LedgerEntryKind.Finding, TestLedger.Start, [1]));
    }
}

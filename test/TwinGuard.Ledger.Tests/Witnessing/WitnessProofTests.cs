using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Witnessing;

namespace TwinGuard.Ledger.Tests.Witnessing;

/// <summary>The consistency proofs sent to witnesses (built from cached subtrees) are the RFC 6962 proofs read from disk.</summary>
public sealed class WitnessProofTests
{
    [Fact]
    public async Task AddCheckpointRequest_CachedSubtrees_SameProofAsReadFromTheLog()
    {
        using var dir = new TempDirectory();
        using var keys = new TempDirectory();
        var options = TestLedger.SmallSegments() with { Key = new LedgerKeyOptions { SigningKeyPath = Path.Combine(keys.Path, "k.pem") } };
        long[] sizes = [1, 700, 1024, 1025, 3000, 4097, 6143, 9000];
        var checkpoints = new List<Checkpoint>();
        var requests = new List<string>();
        await using (var writer = LedgerWriter.Open(dir.Path, options, new FakeTimeProvider(TestLedger.Start)))
        {
            await using var witnessing = new CheckpointWitnessing(writer, [], new HttpClient());
            var appended = 0;
            foreach (var size in sizes)
            {
                while (appended < size)
                {
                    writer.Append(LedgerEntryKind.Finding, TestLedger.Payload(appended++, 20));
                }

                checkpoints.Add(await writer.CheckpointAsync());
            }

            for (var i = 0; i < checkpoints.Count; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    requests.Add(witnessing.AddCheckpointRequest(checkpoints[i], checkpoints[j].TreeSize));
                }
            }
        }

        using var reader = LedgerReader.Open(dir.Path);
        var r = 0;
        for (var i = 0; i < checkpoints.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                var expected = reader.ProveConsistency(checkpoints[j].TreeSize, checkpoints[i].TreeSize).Path.Select(Convert.ToBase64String);
                var lines = requests[r++].Split("\n\n")[0].Split('\n').Skip(1);
                Assert.Equal(expected, lines);
            }
        }
    }
}

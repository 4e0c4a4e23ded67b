using System.Text;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Witnessing;

namespace TwinGuard.Ledger.Tests.Witnessing;

/// <summary>A witness cosigns only consistent checkpoints and records every fork or rollback signed by the log.</summary>
public sealed class WitnessTests
{
    private static LedgerOptions Options(TempDirectory keys) => TestLedger.SmallSegments() with
    {
        Key = new LedgerKeyOptions { SigningKeyPath = Path.Combine(keys.Path, "site.pem") },
    };

    /// <summary>A ledger with a checkpoint at each of <paramref name="sizes"/>; returns them as signed notes.</summary>
    private static async Task<List<string>> NotesAsync(TempDirectory dir, TempDirectory keys, params long[] sizes)
    {
        var notes = new List<string>();
        await using var writer = LedgerWriter.Open(dir.Path, Options(keys), new FakeTimeProvider(TestLedger.Start));
        var appended = 0;
        foreach (var size in sizes)
        {
            while (appended < size)
            {
                writer.Append(LedgerEntryKind.Finding, TestLedger.Payload(appended++, 30));
            }

            notes.Add(writer.PublicKey.ToNote(await writer.CheckpointAsync())!.ToString());
        }

        return notes;
    }

    private static string Request(long old, IEnumerable<byte[]> proof, string note) =>
        $"old {old}\n" + string.Concat(proof.Select(h => Convert.ToBase64String(h) + "\n")) + "\n" + note;

    [Fact]
    public async Task AddCheckpoint_ConsistentThenForkSameSize_CosignsThenRefusesAndRecords()
    {
        using var dir = new TempDirectory();
        using var keys = new TempDirectory();
        using var state = new TempDirectory();
        var time = new FakeTimeProvider(TestLedger.Start);
        var witnessKey = WitnessSigningKey.LoadOrCreate(Path.Combine(state.Path, "witness.pem"), "witness.example/w1");
        var notes = await NotesAsync(dir, keys, 10, 25);
        var (firstNote, secondNote) = (notes[0], notes[1]);
        List<byte[]> proof;
        using (var reader = LedgerReader.Open(dir.Path))
        {
            proof = reader.ProveConsistency(10, 25).Path.ToList();
        }

        using var logKey = LedgerPublicKey.Load(Path.Combine(dir.Path, "signing-key.vkey"));
        using var witness = new Witness(witnessKey, state.Path, [logKey], time);

        var a = witness.AddCheckpoint(Request(0, [], firstNote));
        Assert.Equal(200, a.Status);
        Assert.True(witnessKey.PublicKey.Verify(Notes.SignedNote.Parse(firstNote).Text, Notes.SignedNote.ParseSignatureLine(a.Body.TrimEnd('\n')), out _));
        var b = witness.AddCheckpoint(Request(10, proof, secondNote));
        Assert.Equal(200, b.Status);

        // The log (its key) signs another root for 25 entries: a fork.
        using var site = System.Security.Cryptography.ECDsa.Create();
        site.ImportFromPem(File.ReadAllText(Path.Combine(keys.Path, "site.pem")));
        var forged = ForgedNote(logKey, site, 25, Enumerable.Repeat((byte)7, 32).ToArray());
        var fork = witness.AddCheckpoint(Request(25, [], forged));
        Assert.Equal(409, fork.Status);
        Assert.Equal(1, witness.ForksRecorded);
        Assert.Contains("fork", File.ReadAllText(witness.ForkLog), StringComparison.Ordinal);
        Assert.Equal(25, witness.Latest(logKey.Origin)!.TreeSize);
    }

    [Fact]
    public async Task AddCheckpoint_SmallerTree_RefusedWithItsSizeAndRecorded()
    {
        using var dir = new TempDirectory();
        using var keys = new TempDirectory();
        using var state = new TempDirectory();
        var time = new FakeTimeProvider(TestLedger.Start);
        var witnessKey = WitnessSigningKey.LoadOrCreate(Path.Combine(state.Path, "witness.pem"), "witness.example/w1");
        var notes = await NotesAsync(dir, keys, 1, 8);
        var (small, large) = (notes[0], notes[1]);

        using var logKey = LedgerPublicKey.Load(Path.Combine(dir.Path, "signing-key.vkey"));
        var witness = new Witness(witnessKey, state.Path, [logKey], time);
        Assert.Equal(200, witness.AddCheckpoint(Request(0, [], large)).Status);

        var rollback = witness.AddCheckpoint(Request(0, [], small));
        Assert.Equal(409, rollback.Status);
        Assert.Equal("text/x.tlog.size", rollback.ContentType);
        Assert.Equal("8\n", rollback.Body);
        Assert.Equal(1, witness.ForksRecorded);
        Assert.Contains("rollback", File.ReadAllText(witness.ForkLog), StringComparison.Ordinal);

        // The state survives a restart of the witness.
        witness.Dispose();
        using var restarted = new Witness(witnessKey, state.Path, [logKey], time);
        Assert.Equal(8, restarted.Latest(logKey.Origin)!.TreeSize);
    }

    [Fact]
    public async Task AddCheckpoint_BadProofOrUnknownLogOrBadSignature_Refused()
    {
        using var dir = new TempDirectory();
        using var keys = new TempDirectory();
        using var state = new TempDirectory();
        var time = new FakeTimeProvider(TestLedger.Start);
        var witnessKey = WitnessSigningKey.LoadOrCreate(Path.Combine(state.Path, "witness.pem"), "witness.example/w1");
        var notes = await NotesAsync(dir, keys, 5, 9);
        var (first, second) = (notes[0], notes[1]);

        using var logKey = LedgerPublicKey.Load(Path.Combine(dir.Path, "signing-key.vkey"));
        using (var stranger = new Witness(witnessKey, state.Path, [], time))
        {
            Assert.Equal(404, stranger.AddCheckpoint(Request(0, [], first)).Status);
        }

        using var witness = new Witness(witnessKey, state.Path, [logKey], time);
        Assert.Equal(403, witness.AddCheckpoint(Request(0, [], first.Replace("\n5\n", "\n6\n", StringComparison.Ordinal))).Status);
        Assert.Equal(200, witness.AddCheckpoint(Request(0, [], first)).Status);
        Assert.Equal(422, witness.AddCheckpoint(Request(5, [new byte[32], new byte[32]], second)).Status);
        Assert.Equal(1, witness.ForksRecorded);
        Assert.Equal(400, witness.AddCheckpoint("old 1\nnot base64!\n\n" + second).Status);
    }

    private static string ForgedNote(LedgerPublicKey logKey, System.Security.Cryptography.ECDsa site, long size, byte[] root)
    {
        var text = Encoding.UTF8.GetString(Checkpoint.NoteText(logKey.Origin, size, root));
        var signature = site.SignData(Encoding.UTF8.GetBytes(text), System.Security.Cryptography.HashAlgorithmName.SHA256,
            System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence);
        return new Notes.SignedNote(text, [new Notes.NoteSignature(logKey.Origin, logKey.KeyHash, signature)]).ToString();
    }

    [Fact]
    public async Task AddCheckpointAsync_PipelinedRequestsArrivingInReverse_AllCosignedSharingSyncsAndDurable()
    {
        using var dir = new TempDirectory();
        using var keys = new TempDirectory();
        using var state = new TempDirectory();
        var time = new FakeTimeProvider(TestLedger.Start);
        var sizes = Enumerable.Range(1, 20).Select(i => (long)(i * 7)).ToArray();
        var notes = await NotesAsync(dir, keys, sizes);
        var requests = new List<string>();
        using (var reader = LedgerReader.Open(dir.Path))
        {
            for (var i = 0; i < sizes.Length; i++)
            {
                requests.Add(i == 0 ? Request(0, [], notes[0]) : Request(sizes[i - 1], reader.ProveConsistency(sizes[i - 1], sizes[i]).Path, notes[i]));
            }
        }

        using var logKey = LedgerPublicKey.Load(Path.Combine(dir.Path, "signing-key.vkey"));
        var witnessKey = WitnessSigningKey.LoadOrCreate(Path.Combine(state.Path, "witness.pem"), "witness.example/w1");
        using (var witness = new Witness(witnessKey, state.Path, [logKey], time))
        {
            // A pipelining client: every request sent at once, the last first; each waits for the ones before it.
            var answers = await Task.WhenAll(Enumerable.Range(0, requests.Count).Reverse()
                .Select(i => Task.Run(() => witness.AddCheckpointAsync(requests[i], CancellationToken.None))));

            Assert.All(answers, a => Assert.Equal(200, a.Status));
            Assert.Equal(sizes[^1], witness.Latest(logKey.Origin)!.TreeSize);
            Assert.InRange(witness.StateSyncs, 1, requests.Count); // shared when a sync is slower than the requests behind it
        }

        // What was answered is on disk: a new witness process starts from the last cosigned tree.
        using var reopened = new Witness(witnessKey, state.Path, [logKey], time);
        Assert.Equal(sizes[^1], reopened.Latest(logKey.Origin)!.TreeSize);
    }

    [Fact]
    public async Task AddCheckpointAsync_OldSizeAheadAndNobodyBefore_AnsweredConflictAfterTheReorderWait()
    {
        using var dir = new TempDirectory();
        using var keys = new TempDirectory();
        using var state = new TempDirectory();
        var notes = await NotesAsync(dir, keys, 5, 9);
        using var logKey = LedgerPublicKey.Load(Path.Combine(dir.Path, "signing-key.vkey"));
        using var witness = new Witness(WitnessSigningKey.LoadOrCreate(Path.Combine(state.Path, "witness.pem"), "witness.example/w1"),
            state.Path, [logKey], new FakeTimeProvider(TestLedger.Start));
        List<byte[]> proof;
        using (var reader = LedgerReader.Open(dir.Path))
        {
            proof = reader.ProveConsistency(5, 9).Path.ToList();
        }

        var answer = await witness.AddCheckpointAsync(Request(5, proof, notes[1]), CancellationToken.None);

        Assert.Equal(409, answer.Status);
        Assert.Equal("0\n", answer.Body); // the witness's own size, from which the log proves again
        Assert.Equal(0, witness.StateSyncs);
    }
}

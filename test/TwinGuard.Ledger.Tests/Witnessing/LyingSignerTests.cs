using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Ledger.Tests.Witnessing;

/// <summary>
/// A signer that lies (answers a well-formed signature that does not verify with the pinned key) is not a full disk:
/// the writer stops signing for good, says so once, and never writes the unverifiable checkpoint.
/// </summary>
public sealed class LyingSignerTests
{
    [Fact]
    public async Task Checkpoint_SignerStartsLying_StopsSigningForGoodAndWritesNoUnverifiableCheckpoint()
    {
        using var dir = new TempDirectory();
        using var keys = new TempDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var signer = new SignerSocket(keys.Path, key);
        var time = new FakeTimeProvider(TestLedger.Start);
        var options = signer.Options;
        var distrusted = new List<string>();
        long checkpointBytes;
        await using (var writer = LedgerWriter.Open(dir.Path, options, time))
        {
            writer.SignerDistrusted += distrusted.Add;
            writer.Append(LedgerEntryKind.Finding, TestLedger.Payload(0, 20));
            var good = await writer.CheckpointAsync();
            Assert.Equal(1, good.TreeSize);
            checkpointBytes = new FileInfo(Path.Combine(dir.Path, "checkpoints.tgc")).Length;
            var asked = signer.Requests;

            signer.SigningKey = other; // the signer now signs with a key the ledger was not configured with
            writer.Append(LedgerEntryKind.Finding, TestLedger.Payload(1, 20));
            var error = await Assert.ThrowsAsync<IOException>(() => writer.CheckpointAsync());
            Assert.Contains("does not verify with the ledger's public key", error.Message, StringComparison.Ordinal);
            Assert.Equal(asked + 1, signer.Requests);
            Assert.NotNull(writer.SigningStopped);
            Assert.Single(distrusted);

            // Not retried like a full disk: the signer is never asked again, whatever comes (appends, ticks, requests).
            writer.Append(LedgerEntryKind.Finding, TestLedger.Payload(2, 20));
            time.Advance(TimeSpan.FromMinutes(5));
            await writer.FlushAsync(); // entries are still written and acknowledged
            Assert.Equal(3, writer.DurableCount);
            await Assert.ThrowsAsync<IOException>(() => writer.CheckpointAsync());
            Assert.Equal(asked + 1, signer.Requests);
            Assert.Equal(1, writer.LatestCheckpoint!.TreeSize);
            Assert.Null(writer.WriteError); // the disk is fine: this is not a stall
        } // closing signs no final checkpoint with the liar

        Assert.Single(distrusted);
        Assert.Equal(checkpointBytes, new FileInfo(Path.Combine(dir.Path, "checkpoints.tgc")).Length);
        using var pinned = LedgerPublicKey.Load(signer.PublicKeyPath);
        var result = LedgerVerifier.Verify(dir.Path, pinned);
        Assert.True(result.Ok);
        Assert.Equal(1, result.CheckpointsVerified);
        Assert.Equal(1, result.SignedSize);

        // A later start with the trusted signer covers what was written meanwhile.
        signer.SigningKey = key;
        await using (var writer = LedgerWriter.Open(dir.Path, options, time))
        {
            Assert.Equal(3, (await writer.CheckpointAsync()).TreeSize);
        }

        Assert.True(LedgerVerifier.Verify(dir.Path, pinned).Ok);
    }

    [Fact]
    public async Task Checkpoint_SignerFailsThenRecovers_IsRetriedNotDistrusted()
    {
        using var dir = new TempDirectory();
        using var keys = new TempDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signer = new SignerSocket(keys.Path, key);
        await signer.DisposeAsync(); // its socket file stays, nobody listens: connecting fails
        await using var writer = LedgerWriter.Open(dir.Path, signer.Options, new FakeTimeProvider(TestLedger.Start));
        writer.Append(LedgerEntryKind.Finding, TestLedger.Payload(0, 20));

        // A failure, retried (the request hears why), never a reason to distrust.
        await Assert.ThrowsAsync<IOException>(() => writer.CheckpointAsync());
        Assert.Null(writer.SigningStopped);
        File.Delete(signer.Path);
        await using var listening = new SignerSocket(keys.Path, key);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Checkpoint? signed = null;
        while (signed is null && DateTime.UtcNow < deadline)
        {
            try
            {
                signed = await writer.CheckpointAsync();
            }
            catch (IOException)
            {
                // the writer retries every 250 ms on its own and fails this request when an attempt fails: ask again
            }
        }

        Assert.NotNull(signed);
        Assert.Null(writer.SigningStopped);
    }
}

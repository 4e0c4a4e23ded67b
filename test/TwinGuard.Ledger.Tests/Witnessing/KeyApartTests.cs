using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Ledger.Tests.Witnessing;

/// <summary>
/// The attack of issue #17: someone who can write the data directory rewrites an entry and signs the checkpoints
/// again. With the key apart and pinned, or a witness, verification fails and says where.
/// </summary>
public sealed class KeyApartTests
{
    [Fact]
    public async Task Verify_EntryRewrittenAndResignedWithAKeyFromTheDirectory_PinnedKeyFailsAtFirstResignedCheckpoint()
    {
        using var ledger = new WitnessedLedger();
        await ledger.WriteAsync(40, every: 10);
        Assert.False(File.Exists(Path.Combine(ledger.Ledger.Path, "signing-key.pem")));
        using var pinned = LedgerPublicKey.Load(ledger.PinPath);
        Assert.True(LedgerVerifier.Verify(ledger.Ledger.Path, new LedgerVerificationOptions { TrustedKey = pinned, TrustedKeyIsPinned = true }).Ok);

        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var first = LedgerForgery.RewriteEntry(ledger.Ledger.Path, 14, attacker);
        Assert.Equal(1, first);

        var result = LedgerVerifier.Verify(ledger.Ledger.Path, new LedgerVerificationOptions { TrustedKey = pinned, TrustedKeyIsPinned = true });
        Assert.False(result.Ok);
        Assert.Equal("checkpoint", result.Problem!.Kind);
        Assert.Contains("checkpoint #1 ", result.Problem.Message, StringComparison.Ordinal);
        Assert.Equal(KeyTrust.PinnedKey, result.Trust);
        Assert.Equal(0, result.CheckpointsVerified); // nothing is trusted past a checkpoint the pinned key did not sign
    }

    [Fact]
    public async Task Verify_RewrittenWithTheSiteKeyItself_WitnessCosignatureFailsAtThatCheckpoint()
    {
        using var ledger = new WitnessedLedger();
        await ledger.WriteAsync(40, every: 10);
        using var pinned = LedgerPublicKey.Load(ledger.PinPath);
        var options = new LedgerVerificationOptions { TrustedKey = pinned, TrustedKeyIsPinned = true, Witnesses = [ledger.WitnessKey.PublicKey] };
        var before = LedgerVerifier.Verify(ledger.Ledger.Path, options);
        Assert.True(before.Ok, before.Problem?.ToString());
        Assert.Equal(40, before.WitnessedSize);

        // The attacker has the site's own key.
        using var site = ECDsa.Create();
        site.ImportFromPem(await File.ReadAllTextAsync(ledger.KeyPath));
        LedgerForgery.RewriteEntry(ledger.Ledger.Path, 14, site);
        Assert.True(LedgerVerifier.Verify(ledger.Ledger.Path, options with { Witnesses = [] }).Ok); // the key alone cannot tell

        var result = LedgerVerifier.Verify(ledger.Ledger.Path, options);
        Assert.False(result.Ok);
        Assert.Equal("cosignature", result.Problem!.Kind);
        Assert.Contains("checkpoint #1 (tree size 20)", result.Problem.Message, StringComparison.Ordinal);

        // Removing the cosignatures does not help: nothing outside the site vouches for the history any more.
        File.Delete(Path.Combine(ledger.Ledger.Path, "cosignatures.tgw"));
        var stripped = LedgerVerifier.Verify(ledger.Ledger.Path, options);
        Assert.False(stripped.Ok);
        Assert.Equal("witness", stripped.Problem!.Kind);

        // And the witness refuses the rewritten history when it is offered, and records it.
        using var reader = LedgerReader.Open(ledger.Ledger.Path);
        var forged = pinned.ToNote(reader.LatestCheckpoint!)!.ToString();
        Assert.Equal(409, ledger.Witness.AddCheckpoint("old 40\n\n" + forged).Status);
        Assert.Equal(1, ledger.Witness.ForksRecorded);
    }

    [Fact]
    public async Task Verify_OnlyTheDirectoryKey_SaysItProvesAgainstTheLogsOwnKeyOnly()
    {
        using var ledger = new WitnessedLedger();
        await ledger.WriteAsync(5, every: 5);
        var result = LedgerVerifier.Verify(ledger.Ledger.Path);
        Assert.True(result.Ok);
        Assert.Equal(KeyTrust.LogOwnKey, result.Trust);
        Assert.Contains("log's own key only", result.Scope, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_LegacyKeyInTheDirectory_WarnsThenMovesItOutAndOldCheckpointsStillVerify()
    {
        using var dir = new TempDirectory();
        using var keys = new TempDirectory();
        var time = new FakeTimeProvider(TestLedger.Start);
        await using (var legacy = LedgerWriter.Open(dir.Path, TestLedger.SmallSegments(), time))
        {
            Assert.Contains(legacy.Warnings, w => w.Contains("inside the ledger directory", StringComparison.Ordinal));
            legacy.Append(LedgerEntryKind.Finding, TestLedger.Payload(0, 20));
            await legacy.CheckpointAsync();
        }

        // A version 1 checkpoint, as ledgers before signed notes wrote it, must keep verifying.
        var keyPath = Path.Combine(keys.Path, "ledger.pem");
        var options = TestLedger.SmallSegments() with { Key = new LedgerKeyOptions { SigningKeyPath = keyPath } };
        await using (var moved = LedgerWriter.Open(dir.Path, options, time))
        {
            Assert.Contains(moved.Warnings, w => w.Contains("moved", StringComparison.Ordinal));
            moved.Append(LedgerEntryKind.Finding, TestLedger.Payload(1, 20));
            await moved.CheckpointAsync();
        }

        Assert.False(File.Exists(Path.Combine(dir.Path, "signing-key.pem")));
        Assert.True(File.Exists(keyPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        }

        var result = LedgerVerifier.Verify(dir.Path);
        Assert.True(result.Ok, result.Problem?.ToString());
        Assert.Equal(2, result.CheckpointsVerified);
    }

    [Fact]
    public async Task Open_SignerCommandOpenssl_ChecksSignaturesAndKeepsNoKeyInTheDirectory()
    {
        using var dir = new TempDirectory();
        using var keys = new TempDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var privatePath = Path.Combine(keys.Path, "hsm.pem");
        var publicPath = Path.Combine(keys.Path, "hsm.pub.pem");
        await File.WriteAllTextAsync(privatePath, key.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(publicPath, key.ExportSubjectPublicKeyInfoPem());
        var options = TestLedger.SmallSegments() with
        {
            Key = new LedgerKeyOptions { SignerCommand = $"openssl dgst -sha256 -sign '{privatePath}' | base64 -w0", SignerPublicKeyPath = publicPath },
        };
        await using (var writer = LedgerWriter.Open(dir.Path, options, new FakeTimeProvider(TestLedger.Start)))
        {
            Assert.Empty(writer.Warnings);
            writer.Append(LedgerEntryKind.Finding, TestLedger.Payload(0, 20));
            await writer.CheckpointAsync();
        }

        Assert.False(File.Exists(Path.Combine(dir.Path, "signing-key.pem")));
        using var given = LedgerPublicKey.Load(publicPath);
        var result = LedgerVerifier.Verify(dir.Path, given);
        Assert.True(result.Ok, result.Problem?.ToString());
        Assert.Equal(KeyTrust.GivenKey, result.Trust);
    }

    [Fact]
    public async Task Open_SignerSocket_SignsThroughTheSocketAndKeepsNoKeyInTheDirectory()
    {
        using var dir = new TempDirectory();
        using var keys = new TempDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var signer = new SignerSocket(keys.Path, key);
        await using (var writer = LedgerWriter.Open(dir.Path, signer.Options, new FakeTimeProvider(TestLedger.Start)))
        {
            writer.Append(LedgerEntryKind.Finding, TestLedger.Payload(0, 20));
            await writer.CheckpointAsync();
        }

        Assert.True(signer.Requests >= 1);
        Assert.False(File.Exists(Path.Combine(dir.Path, "signing-key.pem")));
        using var given = LedgerPublicKey.Load(signer.PublicKeyPath);
        Assert.True(LedgerVerifier.Verify(dir.Path, given).Ok);
    }

    [Fact]
    public async Task Open_KeyReplacedAfterItWasPinned_Refused()
    {
        using var ledger = new WitnessedLedger();
        await ledger.WriteAsync(3, every: 3);
        File.Delete(ledger.KeyPath); // a new key would be created in its place
        var error = Assert.Throws<InvalidDataException>(() => LedgerWriter.Open(ledger.Ledger.Path, ledger.Options, TimeProvider.System));
        Assert.Contains("pinned", error.Message, StringComparison.Ordinal);
    }
}

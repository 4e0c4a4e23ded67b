using System.Diagnostics;
using System.Text.Json;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Ledger.Tests;

/// <summary>
/// An independent check of the hash rules and the documented format: verifier/verify_ledger.py (Python standard
/// library only, run with Debian's /usr/bin/python3) recomputes what the C# code wrote.
/// </summary>
public sealed class PythonVerifierTests
{
    private static async Task<(int ExitCode, JsonElement Json)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "verifier", "verify_ledger.py"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(output.Length > 0, "verify_ledger.py printed nothing: " + error);
        return (process.ExitCode, JsonDocument.Parse(output).RootElement.Clone());
    }

    [Fact]
    public async Task VerifyLedgerPy_LogWrittenByCSharp_SameRootAndSignaturesVerify()
    {
        using var dir = new TempDirectory();
        var sizes = Enumerable.Range(0, 333).Select(i => (i * 37) % 400).ToList();
        await TestLedger.WriteAsync(dir.Path, sizes, checkpointEvery: 50);
        var csharp = LedgerVerifier.Verify(dir.Path);
        Assert.True(csharp.Ok);

        var (exit, json) = await RunAsync(dir.Path);
        Assert.Equal(0, exit);
        Assert.True(json.GetProperty("ok").GetBoolean());
        Assert.Equal(333, json.GetProperty("treeSize").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(csharp.RootHash), json.GetProperty("root").GetString());
        Assert.Equal(csharp.KeyId, json.GetProperty("keyId").GetString());
        using var reader = LedgerReader.Open(dir.Path);
        Assert.Equal(reader.Checkpoints.Count, json.GetProperty("signaturesVerified").GetInt32());
        Assert.True(reader.Checkpoints.Count >= 7);
    }

    [Fact]
    public async Task VerifyLedgerPy_ReservedZerosAfterTheRecords_VerifiesThenStrayBytesFail()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(40, 30).ToList());
        var last = SegmentLayout.Segments(dir.Path)[^1];
        await File.AppendAllBytesAsync(last, new byte[10_000]);

        var (exit, json) = await RunAsync(dir.Path);
        Assert.Equal(0, exit);
        Assert.Equal(30, json.GetProperty("treeSize").GetInt64());

        await File.AppendAllBytesAsync(last, [0x5a]);
        (exit, json) = await RunAsync(dir.Path);
        Assert.NotEqual(0, exit);
        Assert.False(json.GetProperty("ok").GetBoolean());
    }

    [Theory]
    [InlineData(0, 333)]
    [InlineData(200, 333)]
    [InlineData(332, 333)]
    [InlineData(17, 100)]
    public async Task VerifyLedgerPy_InclusionPath_SameAsCSharp(long index, long treeSize)
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Range(0, 333).Select(i => i % 90).ToList());
        using var reader = LedgerReader.Open(dir.Path);
        var proof = reader.ProveInclusion(index, treeSize);

        var (exit, json) = await RunAsync(dir.Path, "--inclusion", index.ToString(System.Globalization.CultureInfo.InvariantCulture),
            treeSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, exit);
        Assert.Equal(proof.Path.Select(Convert.ToHexStringLower), json.GetProperty("path").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(Convert.ToHexStringLower(reader.ComputeRoot(treeSize)), json.GetProperty("root").GetString());
    }

    [Fact]
    public async Task VerifyLedgerPy_ForgedEntry_Fails()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(40, 30).ToList());
        var victim = SegmentLayout.Records(dir.Path)[12];
        var record = SegmentLayout.ReadRecord(victim);
        record[30] ^= 1;
        System.Security.Cryptography.SHA256.HashData(record.AsSpan(0, record.Length - 8)).AsSpan(0, 8)
            .CopyTo(record.AsSpan(record.Length - 8));
        var bytes = await File.ReadAllBytesAsync(victim.SegmentPath);
        record.CopyTo(bytes, victim.Offset);
        await File.WriteAllBytesAsync(victim.SegmentPath, bytes);

        var (exit, json) = await RunAsync(dir.Path);
        Assert.Equal(1, exit);
        Assert.False(json.GetProperty("ok").GetBoolean());
        Assert.Equal("entries do not hash to the signed root", json.GetProperty("problem").GetString());
    }

    [Fact]
    public async Task VerifyLedgerPy_WitnessedLedger_NotesAndCosignaturesVerifyAndARewriteWithTheSiteKeyFails()
    {
        using var ledger = new Witnessing.WitnessedLedger();
        await ledger.WriteAsync(30, every: 10);
        var witness = ledger.WitnessKey.PublicKey.VerifierKey;

        var (exit, json) = await RunAsync(ledger.Ledger.Path, "--public-key", ledger.PinPath, "--witness", witness);
        Assert.Equal(0, exit);
        Assert.Equal(3, json.GetProperty("notesVerified").GetInt32());
        Assert.Equal(30, json.GetProperty("witnessedSize").GetInt64());
        Assert.Equal("given", json.GetProperty("keySource").GetString());

        // A standalone checkpoint note with its cosignature, as `twinguard ledger checkpoint --note` prints it.
        using (var reader = LedgerReader.Open(ledger.Ledger.Path))
        using (var key = Checkpoints.LedgerPublicKey.Load(ledger.PinPath))
        {
            var note = key.ToNote(reader.LatestCheckpoint!)!;
            var cosignature = TwinGuard.Ledger.Witnessing.CosignatureFile.Read(ledger.Ledger.Path, out _).Last().Signature;
            var notePath = Path.Combine(ledger.Ledger.Path, "latest.note");
            await File.WriteAllTextAsync(notePath, (note with { Signatures = [.. note.Signatures, cosignature] }).ToString());
            var (noteExit, noteJson) = await RunAsync("--note", notePath, "--public-key", ledger.PinPath, "--witness", witness);
            Assert.Equal(0, noteExit);
            Assert.Equal(30, noteJson.GetProperty("treeSize").GetInt64());
            Assert.Equal("witness.example/w1", noteJson.GetProperty("cosigners")[0].GetString());
            File.Delete(notePath);
        }

        using var site = System.Security.Cryptography.ECDsa.Create();
        site.ImportFromPem(await File.ReadAllTextAsync(ledger.KeyPath));
        Witnessing.LedgerForgery.RewriteEntry(ledger.Ledger.Path, 14, site);
        var (forgedExit, forged) = await RunAsync(ledger.Ledger.Path, "--public-key", ledger.PinPath, "--witness", witness);
        Assert.Equal(1, forgedExit);
        Assert.Equal("cosignature does not verify", forged.GetProperty("problem").GetString());
        Assert.Equal(152, forged.GetProperty("offset").GetInt32());
    }
}

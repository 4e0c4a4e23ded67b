using System.Security.Cryptography;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Ledger.Tests;

/// <summary>Restarts resume from tree-state.tgs only when the signed checkpoint vouches for it.</summary>
public sealed class TreeStateTests
{
    private static string StatePath(TempDirectory dir) => Path.Combine(dir.Path, "tree-state.tgs");

    private static async Task<(long Count, bool Resumed)> ReopenAndAppendAsync(TempDirectory dir)
    {
        await using var writer = LedgerWriter.Open(dir.Path, TestLedger.SmallSegments(), TimeProvider.System);
        var result = (writer.Count, writer.ResumedFromTreeState);
        writer.Append(LedgerEntryKind.ConfigChange, "{\"after\":\"restart\"}"u8);
        return result;
    }

    [Fact]
    public async Task Open_AfterCleanClose_ResumesFromTreeStateAndStaysConsistent()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Range(0, 150).Select(i => i % 100).ToList());
        Assert.True(File.Exists(StatePath(dir)));

        var (count, resumed) = await ReopenAndAppendAsync(dir);
        Assert.True(resumed);
        Assert.Equal(150, count);
        var result = LedgerVerifier.Verify(dir.Path);
        Assert.True(result.Ok, result.Problem?.ToString());
        Assert.Equal(151, result.TreeSize);
    }

    [Fact]
    public async Task Open_TreeStateWithForeignSubtreeRoots_IgnoredAndLogRehashed()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(20, 77).ToList());

        // A state that is well formed (valid checksum) but whose roots do not fold to the signed root.
        var bytes = await File.ReadAllBytesAsync(StatePath(dir));
        bytes[32] ^= 0x01;
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).CopyTo(bytes.AsSpan(bytes.Length - 32));
        await File.WriteAllBytesAsync(StatePath(dir), bytes);

        var (count, resumed) = await ReopenAndAppendAsync(dir);
        Assert.False(resumed);
        Assert.Equal(77, count);
        Assert.True(LedgerVerifier.Verify(dir.Path).Ok);
    }

    [Fact]
    public async Task Open_TreeStateGarbage_IgnoredAndLogRehashed()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(20, 33).ToList());
        await File.WriteAllBytesAsync(StatePath(dir), [1, 2, 3]);

        var (count, resumed) = await ReopenAndAppendAsync(dir);
        Assert.False(resumed);
        Assert.Equal(33, count);
        Assert.True(LedgerVerifier.Verify(dir.Path).Ok);
    }

    [Fact]
    public async Task Open_TreeStateOlderThanNewestCheckpoint_IgnoredAndLogRehashed()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(20, 10).ToList());
        var older = await File.ReadAllBytesAsync(StatePath(dir));
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(20, 10).ToList());
        await File.WriteAllBytesAsync(StatePath(dir), older);

        var (count, resumed) = await ReopenAndAppendAsync(dir);
        Assert.False(resumed);
        Assert.Equal(20, count);
        Assert.True(LedgerVerifier.Verify(dir.Path).Ok);
    }
}

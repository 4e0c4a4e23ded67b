using System.Diagnostics;
using System.Globalization;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Ledger.Tests;

/// <summary>A real process appending to the ledger is killed mid-append; the log must reopen and verify.</summary>
public sealed class CrashProcessTests
{
    /// <summary>Runs the crash writer until <paramref name="killAfter"/> entries are durable and kills it.</summary>
    /// <returns>The entries it was told are durable, and its commits on its own thread and on the writing thread.</returns>
    private static async Task<(long Durable, long CallerCommits, long WriterCommits)> RunAndKillAsync(string ledger, long killAfter)
    {
        var writerDll = Path.Combine(AppContext.BaseDirectory, "TwinGuard.Ledger.CrashWriter.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(writerDll);
        start.ArgumentList.Add(ledger);
        using var process = Process.Start(start)!;
        var durable = 0L;
        long? callerCommits = null, writerCommits = null;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (durable < killAfter)
        {
            var line = await process.StandardOutput.ReadLineAsync(deadline.Token)
                       ?? throw new InvalidOperationException("writer exited: " + await process.StandardError.ReadToEndAsync());
            if (line.StartsWith("durable ", StringComparison.Ordinal))
            {
                durable = long.Parse(line.AsSpan(8), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("commits on the caller's thread ", StringComparison.Ordinal))
            {
                var counts = line["commits on the caller's thread ".Length..].Split(", on the writing thread ");
                (callerCommits, writerCommits) = (long.Parse(counts[0], CultureInfo.InvariantCulture), long.Parse(counts[1], CultureInfo.InvariantCulture));
            }
        }

        // SIGKILL while it keeps appending: no flush, no final checkpoint, possibly a write cut short.
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(deadline.Token);
        Assert.True(callerCommits is not null, "the writer was killed before it reported its commits");
        return (durable, callerCommits.Value, writerCommits!.Value);
    }

    [Fact]
    public async Task Open_AfterWriterKilledMidAppend_KeepsEveryDurableEntryAndVerifies()
    {
        using var dir = new TempDirectory();
        var (promised, callerCommits, writerCommits) = await RunAndKillAsync(dir.Path, 30_000);

        // Both commit paths promised entries before the kill: a lone caller's commit on its own thread, and the writing
        // thread's (handed off, and the appends nobody waited for).
        Assert.True(callerCommits > 0, "no commit ran on the caller's thread");
        Assert.True(writerCommits > 0, "no commit ran on the writing thread");

        await using (var writer = LedgerWriter.Open(dir.Path, LedgerOptions.Default, TimeProvider.System))
        {
            Assert.True(writer.Count >= promised, $"{writer.Count} entries after the crash, {promised} were promised");
            foreach (var torn in writer.RecoveredTornTails)
            {
                Assert.True(File.Exists(Path.Combine(dir.Path, torn.SetAsideFile)));
                Assert.True(torn.FirstIndex >= promised);
            }
        }

        var result = LedgerVerifier.Verify(dir.Path);
        Assert.True(result.Ok, result.Problem?.ToString());
        Assert.True(result.TreeSize >= promised);
        Assert.Equal(0, result.UnsignedEntries);
    }

    [Fact]
    public async Task Open_AfterKillAndPowerLossCutTheLastWrite_SetsTailAsideAndVerifies()
    {
        using var dir = new TempDirectory();
        var (promised, _, _) = await RunAndKillAsync(dir.Path, 10_000);

        // Power loss: the last write reached the disk only in part. Cut the newest segment inside its last record,
        // unless that record is already covered by a checkpoint (then the cut would be tampering, not a crash).
        using (var reader = LedgerReader.Open(dir.Path))
        {
            var signed = reader.LatestCheckpoint?.TreeSize ?? 0;
            var last = SegmentLayout.Records(dir.Path)[^1];
            if (last.Index >= signed)
            {
                using var file = new FileStream(last.SegmentPath, FileMode.Open);
                file.SetLength(last.Offset + (last.Length / 2));
            }
            else
            {
                // Half a record's bytes where the next would start, inside the space the writer reserved.
                using var file = new FileStream(last.SegmentPath, FileMode.Open);
                file.Position = last.Offset + last.Length;
                file.Write(Enumerable.Repeat((byte)0x5a, last.Length / 2).ToArray());
            }
        }

        await using (var writer = LedgerWriter.Open(dir.Path, LedgerOptions.Default, TimeProvider.System))
        {
            var torn = Assert.Single(writer.RecoveredTornTails);
            Assert.True(File.Exists(Path.Combine(dir.Path, torn.SetAsideFile)));
            Assert.True(writer.Count >= Math.Min(promised, torn.FirstIndex));
        }

        var result = LedgerVerifier.Verify(dir.Path);
        Assert.True(result.Ok, result.Problem?.ToString());
    }
}

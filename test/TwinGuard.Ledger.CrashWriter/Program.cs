using System.Globalization;
using System.Text;
using TwinGuard.Ledger;

// Appends to the ledger in args[0] until killed. After every durable commit or flush (in turn: a commit on this thread
// as a lone publish's, a commit handed to the writing thread, a flush) it prints "durable N" so the test knows which
// entries the ledger has promised to keep. Checkpoints every 5,000 entries; batches of varied payloads.
if (args.Length != 1)
{
    await Console.Error.WriteLineAsync("usage: TwinGuard.Ledger.CrashWriter LEDGER-DIR");
    return 2;
}

var options = LedgerOptions.Default with
{
    CheckpointEveryEntries = 5000,
    CheckpointInterval = Timeout.InfiniteTimeSpan,
    MaxBatchBytes = 256 * 1024,
};
await using var writer = LedgerWriter.Open(args[0], options, TimeProvider.System);
Console.WriteLine("opened " + writer.Count.ToString(CultureInfo.InvariantCulture));
var random = new Random(42);
var payload = new byte[600];
for (var round = 0L; ; round++)
{
    for (var i = 0; i < 500; i++)
    {
        var length = random.Next(0, payload.Length);
        Encoding.ASCII.GetBytes($"{{\"round\":{round},\"i\":{i}}}").CopyTo(payload, 0);
        if (i < 499)
        {
            writer.Append(LedgerEntryKind.ReadingBatch, payload.AsSpan(0, length));
        }
        else if (round % 3 < 2)
        {
            // The broker's paths: a lone publish's commit on this thread (when the writing thread is not committing), or
            // the commit handed to the writing thread; either covers every entry before it.
            await writer.AppendAndCommitAsync(LedgerEntryKind.ReadingBatch, payload.AsSpan(0, length), alone: round % 3 == 0);
        }
        else
        {
            writer.Append(LedgerEntryKind.ReadingBatch, payload.AsSpan(0, length));
            await writer.FlushAsync();
        }
    }

    Console.WriteLine("durable " + writer.DurableCount.ToString(CultureInfo.InvariantCulture));
    if (round == 15)
    {
        // Both commit paths ran (the test kills the writer later than this): a run where neither did proves nothing.
        Console.WriteLine($"commits on the caller's thread {writer.CallerCommits}, on the writing thread {writer.WriterCommits}");
    }
}

using System.Text.Json;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Server.Hosting;
using TwinGuard.Server.Tests.Api;
using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Tests.Ledger;

/// <summary>
/// <c>twinguard ledger witnesses</c>: a real witness cosigns this site's checkpoints over HTTP, the site records a
/// peer's checkpoint it cosigned and has refused forks of it; the listing shows both directions, in JSON and as text.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class LedgerWitnessesCommandTests
{
    [Fact]
    public async Task Witnesses_SiteCosignedAndCosigning_ListsSizesRootsTimesAndForks()
    {
        using var data = new TempDirectory();
        using var keys = new TempDirectory();
        using var state = new TempDirectory();
        var ledgerDir = Path.Combine(data.Path, "ledger");
        var witnessKey = WitnessSigningKey.LoadOrCreate(Path.Combine(state.Path, "witness-key.pem"), "twinguard.peer/site-b");
        var peerRoot = new byte[32];
        peerRoot[0] = 0xab;
        byte[] root;
        var keyOptions = LedgerKeyLocations.For(ledgerDir, keys.Path);
        await using (var writer = LedgerWriter.Open(ledgerDir, LedgerOptions.Default with { Key = keyOptions }, TimeProvider.System))
        {
            using var witness = new Witness(witnessKey, state.Path, [TwinGuard.Ledger.Checkpoints.LedgerPublicKey.Load(keyOptions.PinPath!)], TimeProvider.System);
            var (started, url) = await WitnessServer.StartOnLoopbackAsync(witness, CancellationToken.None);
            await using var server = started;
            using var http = new HttpClient();
            await using var witnessing = new CheckpointWitnessing(writer, [new WitnessEndpoint(new Uri(url), witnessKey.PublicKey)], http);
            new LedgerRecorder(writer).RecordPeerCosignature("site-b", new WitnessedLog("site-b.example/ledger", 42, peerRoot), "\u2014 twinguard.peer/line1 AAAA");
            for (var i = 0; i < 99; i++)
            {
                writer.Append(LedgerEntryKind.Finding, "{\"finding\":1}"u8);
            }

            var checkpoint = await writer.CheckpointAsync();
            Assert.Equal(1, await witnessing.WitnessAsync(checkpoint));
            root = checkpoint.RootHash;
            await server.StopAsync();
        }

        // Two checkpoints of site-b's ledger this site refused as forks (what its witness of that peer keeps).
        var forks = Directory.CreateDirectory(Path.Combine(data.Path, "peering", "witness", "site-b")).FullName;
        await File.WriteAllTextAsync(Path.Combine(forks, "forks.jsonl"), "{\"size\":40}\n{\"size\":41}\n");

        using var listing = JsonDocument.Parse(await KeysCommandTests.RunAsync("ledger", "witnesses", "--data-dir", data.Path, "--json"));
        var ours = Assert.Single(listing.RootElement.GetProperty("cosignedThisLedger").EnumerateArray());
        Assert.Equal("twinguard.peer/site-b", ours.GetProperty("witness").GetString());
        Assert.Equal(100, ours.GetProperty("treeSize").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(root), ours.GetProperty("root").GetString());
        Assert.InRange(ours.GetProperty("time").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(1));
        var theirs = Assert.Single(listing.RootElement.GetProperty("cosignedByThisSite").EnumerateArray());
        Assert.Equal(("site-b", "site-b.example/ledger", 42L), (theirs.GetProperty("peer").GetString(), theirs.GetProperty("origin").GetString(), theirs.GetProperty("treeSize").GetInt64()));
        Assert.Equal(Convert.ToHexStringLower(peerRoot), theirs.GetProperty("root").GetString());
        Assert.Equal(2, theirs.GetProperty("forksRefused").GetInt64());

        var text = await KeysCommandTests.RunAsync("ledger", "witnesses", "--data-dir", data.Path);
        Assert.Contains("twinguard.peer/site-b", text, StringComparison.Ordinal);
        Assert.Contains("site-b.example/ledger", text, StringComparison.Ordinal);
    }
}

using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Twins.Share;

namespace TwinGuard.EndToEnd.Tests.Sharing;

/// <summary>
/// Two sites served for real, each with its own PKI, linked over mutual-TLS MQTT: each witnesses the other's ledger
/// (checkpoints out, cosignatures back), a rewritten history is refused and raised, <c>twinguard ledger verify</c>
/// checks the peer's cosignatures offline, and a site that starts with no peer begins sharing after a reload.
/// </summary>
public sealed class PeerCheckpointEndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Sites_WitnessEachOthersLedger_CosignedBothWaysVerifiedOfflineAndARewrittenHistoryRefused()
    {
        await using var a = SharingSite.Prepare("site-a");
        await using var b = SharingSite.Prepare("site-b");
        // First start: the ledger keys exist only once each site has run, so neither witnesses the other yet.
        await a.StartAsync("site", b.AsPeer("checkpoints", withBroker: true), null);
        await b.StartAsync("site", a.AsPeer("checkpoints", withBroker: true), null);
        await Eventually.HoldsAsync(() => a.Peers.Links.Concat(b.Peers.Links).Count(l => l.IsConnected), n => n == 2, Deadline, "both sites linked over mutual TLS");

        // A reload declares each other's ledger key: from then on each cosigns the other's checkpoints.
        var (ledgerA, ledgerB) = (a.LedgerKey, b.LedgerKey);
        await a.ReloadAsync("site", b.AsPeer("checkpoints", withBroker: true, ledgerKey: ledgerB));
        await b.ReloadAsync("site", a.AsPeer("checkpoints", withBroker: true, ledgerKey: ledgerA));
        await Eventually.HoldsAsync(() => CosignedBy(a, b), n => n > 0, Deadline, "site B's cosignature in site A's cosignatures.tgw");
        await Eventually.HoldsAsync(() => CosignedBy(b, a), n => n > 0, Deadline, "site A's cosignature in site B's cosignatures.tgw");
        var cosignedOfA = await Eventually.HoldsAsync(() => b.App.Services.GetRequiredService<PeerWitness>().Counts["site-a"], c => c.TreeSize > 0, Deadline,
            "site B's witness state of site A's ledger");
        Assert.Equal(0, cosignedOfA.Refused);

        // B recorded what it vouched for in its own ledger.
        var recorded = await Eventually.HoldsAsync(() => Entries(b, LedgerEntryKind.PeerCosignature), e => e.Count > 0, Deadline,
            "a peer-cosignature entry in site B's ledger");
        using (var payload = JsonDocument.Parse(recorded[0].Payload))
        {
            Assert.Equal("site-a", payload.RootElement.GetProperty("peer").GetString());
            Assert.StartsWith("twinguard.ledger/", payload.RootElement.GetProperty("origin").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("\u2014 twinguard.peer/site-b ", payload.RootElement.GetProperty("cosignature").GetString(), StringComparison.Ordinal);
        }

        // Offline (A stopped): A's ledger verifies with B's key as witness, and needs it: a stranger's key is not enough.
        var refusedBefore = b.App.Services.GetRequiredService<PeerWitness>().Counts["site-a"].Refused;
        await a.App.StopAsync();
        var verified = await VerifyAsync(a, b.Key.PublicKey.VerifierKey);
        Assert.True(verified.RootElement.GetProperty("ok").GetBoolean(), verified.RootElement.ToString());
        Assert.True(verified.RootElement.GetProperty("witnessedSize").GetInt64() > 0);
        var stranger = WitnessSigningKey.LoadOrCreate(Path.Combine(a.Root, "stranger.pem"), "twinguard.peer/stranger");
        Assert.False((await VerifyAsync(a, stranger.PublicKey.VerifierKey)).RootElement.GetProperty("ok").GetBoolean());

        // A's history is rewritten: its ledger is replaced by a new one under the same key (the key lives outside the
        // data directory). What it signs now does not extend what B cosigned: B refuses it, records the fork and raises it.
        Directory.Delete(Path.Combine(a.Data, "ledger"), recursive: true);
        await a.RestartAsync();
        await Eventually.HoldsAsync(() => b.App.Services.GetRequiredService<PeerWitness>().Counts["site-a"].Refused, n => n > refusedBefore, Deadline,
            "site B refusing site A's rewritten history");
        var finding = await Eventually.HoldsAsync(() => b.Records.Findings(200).FirstOrDefault(f => f.Reason == "checkpoint_refused"), f => f is not null, Deadline,
            "a checkpoint_refused finding at site B");
        Assert.Contains("checkpoint of peer 'site-a' refused", finding!.Message, StringComparison.Ordinal);
        var forks = await File.ReadAllLinesAsync(Path.Combine(b.Data, "peering", "witness", "site-a", "forks.jsonl"));
        Assert.NotEmpty(forks);
        Assert.Equal(cosignedOfA.TreeSize, b.App.Services.GetRequiredService<PeerWitness>().Counts["site-a"].TreeSize); // not moved by the rewrite

        // B's own ledger, with its record of the refusal, verifies offline with A as its witness.
        await b.App.StopAsync();
        var ofB = await VerifyAsync(b, a.Key.PublicKey.VerifierKey);
        Assert.True(ofB.RootElement.GetProperty("ok").GetBoolean(), ofB.RootElement.ToString());
    }

    [Fact]
    public async Task Reload_FirstPeersDeclaredOnASiteThatHadNone_SharesWithoutRestart()
    {
        await using var a = SharingSite.Prepare("site-a");
        await using var b = SharingSite.Prepare("site-b");
        await b.StartAsync("site", string.Empty, null); // no peer, no sharing section
        await a.StartAsync("site", b.AsPeer("checkpoints", withBroker: false), null); // A only receives from B, for now
        Assert.Empty(b.Peers.Links);

        // B's reload declares its first peer: B links to A and sends its checkpoints, which A keeps.
        await b.ReloadAsync("site", a.AsPeer("checkpoints", withBroker: true, ledgerKey: a.LedgerKey));
        await Eventually.HoldsAsync(() => b.Peers.Links.Count(l => l.IsConnected), n => n == 1, Deadline, "site B linked to site A after the reload");
        await Eventually.HoldsAsync(() => a.Inbox.Kept, n => n > 0, Deadline, "site B's checkpoints kept at site A");

        // A sends to B too now: B's broker and inbox, which did not exist for peers at its start, take A's messages, and
        // each site's ledger gets the other's cosignatures.
        await a.ReloadAsync("site", b.AsPeer("checkpoints", withBroker: true, ledgerKey: b.LedgerKey));
        await Eventually.HoldsAsync(() => CosignedBy(a, b), n => n > 0, Deadline, "site B's cosignature of site A's ledger");
        await Eventually.HoldsAsync(() => CosignedBy(b, a), n => n > 0, Deadline, "site A's cosignature of site B's ledger");
        Assert.True(b.Inbox.Kept > 0);
    }

    private static long CosignedBy(SharingSite ledger, SharingSite witness) =>
        CosignatureFile.Read(Path.Combine(ledger.Data, "ledger"), out _).Where(c => witness.Key.PublicKey.Claims(c.Signature)).Select(c => c.TreeSize)
            .DefaultIfEmpty(0).Max();

    private static List<LedgerEntry> Entries(SharingSite site, LedgerEntryKind kind)
    {
        using var reader = LedgerReader.Open(Path.Combine(site.Data, "ledger"));
        var count = reader.CountEntries();
        var entries = new List<LedgerEntry>();
        for (long first = 0; first < count; first += 1024)
        {
            entries.AddRange(reader.ReadEntries(first, (int)Math.Min(1024, count - first)).Where(e => e.Kind == kind));
        }

        return entries;
    }

    private static async Task<JsonDocument> VerifyAsync(SharingSite site, string witnessKey)
    {
        var (code, output, error) = await TwinGuardExecutable.RunAsync(
            ["ledger", "verify", "--data-dir", site.Data, "--witness", witnessKey, "--json"], TimeSpan.FromSeconds(60));
        Assert.True(code is 0 or 1, $"ledger verify exited {code}: {error}");
        return JsonDocument.Parse(output);
    }
}

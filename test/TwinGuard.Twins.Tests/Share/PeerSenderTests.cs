using System.Text.Json;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Share;

namespace TwinGuard.Twins.Tests.Share;

public sealed class PeerSenderTests : IDisposable
{
    private readonly PeerFixture _peers = new();

    [Fact]
    public void ShareIncident_PeerWithoutValues_GetsReasonsAndTechniquesButNoValueNorFindingMessage()
    {
        using var sender = new PeerSender(_peers.Plant, Path.Combine(_peers.Directory, "out"), _peers.Own, TimeProvider.System);

        Assert.Equal(2, sender.ShareIncident(Tampering(), ["10.0.0.66"]));

        var toSiteB = Sent(sender, "site-b").Incident!;
        Assert.Equal("out_of_range on asset:tank1", toSiteB.Title);
        Assert.Null(toSiteB.Values);
        Assert.Equal(["10.0.0.66"], toSiteB.Addresses);
        Assert.Equal(["T0832", "T0856"], toSiteB.Techniques.Order(StringComparer.Ordinal)); // out_of_range in attack-ics.yaml
        var raw = Envelope(sender, "site-b");
        Assert.DoesNotContain("9.75", raw, StringComparison.Ordinal); // the raw value leaves neither in the title nor anywhere else

        // The SOC is allowed values: the title with the finding's message, and the value by signal.
        var toSoc = Sent(sender, "soc").Incident!;
        Assert.Equal(9.75, toSoc.Values!["tank1/level"]);
        Assert.Contains("level 9.75", toSoc.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void ShareIndicators_PeerNotAllowedIndicators_GetsNothingAndTheHoldBackIsCounted()
    {
        using var sender = new PeerSender(_peers.Plant, Path.Combine(_peers.Directory, "out"), _peers.Own, TimeProvider.System);
        using var misp = JsonDocument.Parse("""{"Event": {"uuid": "5c6a7c2e-0000-4000-8000-000000000001", "info": "x", "Attribute": []}}""");

        Assert.Equal(1, sender.ShareIndicators(misp.RootElement));

        Assert.Equal(1, Outbox(sender, "site-b").Counts.Depth);
        Assert.Equal(0, Outbox(sender, "soc").Counts.Depth); // send: [incidents] only
        Assert.Equal(1, sender.Withheld);
    }

    [Fact]
    public void Follow_ReloadRemovesAPeerAddsOneAndNarrowsAPolicy_SendsAsTheReloadedModelSays()
    {
        using var sender = new PeerSender(_peers.Plant, Path.Combine(_peers.Directory, "out"), _peers.Own, TimeProvider.System);
        var siteB = _peers.Peer("site-b");
        var reloaded = _peers.Plant with
        {
            Devices =
            [
                .. _peers.Plant.Devices.Where(d => d.Id != "soc" && d.Id != "site-b"),
                siteB with { Peer = siteB.Peer! with { Send = new HashSet<string>(["indicators"], StringComparer.Ordinal) } },
                siteB with { Id = "site-c", Topics = ["peer/site-c/up"], Peer = siteB.Peer! with { Broker = "127.0.0.1:3" } },
            ],
        };

        var closed = sender.Follow(reloaded);

        Assert.Equal("soc", Assert.Single(closed).Name);
        closed[0].Dispose();
        Assert.Equal(["site-b", "site-c"], sender.Peers.Select(p => p.Peer.Id).Order(StringComparer.Ordinal));
        Assert.Equal(1, sender.ShareIncident(Tampering(), [])); // site-c only: site-b now receives indicators alone
        Assert.Equal((0L, 1L), (Outbox(sender, "site-b").Counts.Depth, Outbox(sender, "site-c").Counts.Depth));
    }

    public void Dispose() => _peers.Dispose();

    private static Incident Tampering()
    {
        var finding = new Finding(DateTimeOffset.UnixEpoch, ReasonCode.OutOfRange, Severity.High, "tank1", "level", "tank-gateway", 9.75, 1, "level 9.75 outside [0, 5]");
        return new Incident(3, DateTimeOffset.UnixEpoch, "asset:tank1", "tank1", "tank-gateway", Severity.High,
            "out_of_range on asset:tank1: level 9.75 outside [0, 5]", "3-findings-in-60s", [ReasonCode.OutOfRange]) { Members = [finding] };
    }

    private static TwinGuard.Twins.Uplink.Outbox Outbox(PeerSender sender, string peer) => sender.Peers.Single(p => p.Peer.Id == peer).Outbox;

    [Fact]
    public void SendCheckpoint_PeerNotAllowedCheckpoints_GetsNothingButItsCosignatureGoesBack()
    {
        using var sender = new PeerSender(_peers.Plant, Path.Combine(_peers.Directory, "out"), _peers.Own, TimeProvider.System);

        Assert.Empty(sender.CheckpointPeers); // neither peer's send: lists checkpoints
        Assert.False(sender.SendCheckpoint("site-b", "old 0\n\ncheckpoint"));
        Assert.Equal(1, sender.Withheld);
        Assert.Equal(0, sender.Peers.Single(p => p.Peer.Id == "site-b").Outbox.Counts.Depth);

        // An answer to the peer's own checkpoint is not this site's to withhold.
        Assert.True(sender.SendCosignature("site-b", "note", new TwinGuard.Ledger.Witnessing.WitnessAnswer(409, "7\n")));
        var answer = Sent(sender, "site-b");
        Assert.Equal(("cosignature", 409, "7\n"), (answer.Kind, answer.Status, answer.Cosignature));
    }

    private static string Envelope(PeerSender sender, string peer)
    {
        Assert.True(Outbox(sender, peer).TryPeek(out var envelope));
        return envelope;
    }

    private static PeerMessage Sent(PeerSender sender, string peer)
    {
        var envelope = JsonSerializer.Deserialize(Envelope(sender, peer), PeerJson.Default.PeerEnvelope)!;
        var message = JsonSerializer.Deserialize(envelope.Message, PeerJson.Default.PeerMessage)!;
        Assert.Equal(("line1", peer), (message.From, message.To));
        return message;
    }
}

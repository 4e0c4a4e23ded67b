using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Twins.Share;

namespace TwinGuard.Twins.Tests.Share;

public sealed class PeerInboxTests : IDisposable
{
    private readonly PeerFixture _peers = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task ReceiveAsync_SameSignedMessageTwice_KeepsItOnceAndAppliesItOnce()
    {
        using var inbox = Inbox();
        var applied = new List<string>();
        inbox.Apply = (peer, message, _) =>
        {
            applied.Add(peer + "/" + message.Id);
            return Task.CompletedTask;
        };
        var message = Seal(_peers.SiteB, Incident("1-1", "site-b", "line1"));

        Assert.Null(await inbox.ReceiveAsync(_peers.Peer("site-b"), message, CancellationToken.None));
        Assert.Null(await inbox.ReceiveAsync(_peers.Peer("site-b"), message, CancellationToken.None));
        using var stop = new CancellationTokenSource();
        var running = inbox.RunAsync(stop.Token);
        await Eventually.HoldsAsync(() => applied.Count, n => n >= 1, TimeSpan.FromSeconds(10), "the message applied");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);

        Assert.Equal(["site-b/1-1"], applied);
        Assert.Equal((1, 1), (inbox.Kept, inbox.Repeats));
        var kept = Assert.Single(inbox.Messages("incident"));
        Assert.Equal(("site-b", "T0830"), (kept.Peer, kept.Message.Incident!.Techniques[0]));
    }

    [Fact]
    public async Task ReceiveAsync_PeerKeyRotatedByAReload_OldKeyRefusedNewKeyKeptOnTheSameConnection()
    {
        using var inbox = Inbox();
        var rotated = Ledger.Witnessing.WitnessSigningKey.LoadOrCreate(Path.Combine(_peers.Directory, "site-b-2.pem"), "twinguard.peer/site-b");
        var authenticated = _peers.Peer("site-b"); // the connection was authenticated under the model before the reload
        var reloaded = _peers.Plant with
        {
            Devices = [.. _peers.Plant.Devices.Select(d => d.Id == "site-b" ? d with { Peer = d.Peer! with { SigningKey = rotated.PublicKey.VerifierKey } } : d)],
        };
        inbox.CurrentPeer = id => reloaded.FindDevice(id);

        var old = await inbox.ReceiveAsync(authenticated, Seal(_peers.SiteB, Incident("1-1", "site-b", "line1")), CancellationToken.None);
        var renewed = await inbox.ReceiveAsync(authenticated, Seal(rotated, Incident("1-2", "site-b", "line1")), CancellationToken.None);

        Assert.Contains("does not verify with the key pinned for peer 'site-b'", old, StringComparison.Ordinal);
        Assert.Null(renewed);
        Assert.Equal("1-2", Assert.Single(inbox.Messages("incident")).Message.Id);
    }

    [Fact]
    public async Task ReceiveAsync_PeerRemovedByAReload_RefusedThoughItsConnectionIsStillOpen()
    {
        using var inbox = Inbox();
        var reloaded = _peers.Plant with { Devices = [.. _peers.Plant.Devices.Where(d => d.Id != "site-b")] };
        inbox.CurrentPeer = id => reloaded.FindDevice(id);

        var refusal = await inbox.ReceiveAsync(_peers.Peer("site-b"), Seal(_peers.SiteB, Incident("1-1", "site-b", "line1")), CancellationToken.None);

        Assert.Contains("no longer a peer", refusal, StringComparison.Ordinal);
        Assert.Empty(inbox.Messages("incident"));
    }

    [Fact]
    public async Task ReceiveAsync_SignedWithAnotherKey_IsRefusedAsBadSignatureAndCounted()
    {
        using var inbox = Inbox();

        // The SOC's key is pinned for the SOC, not for site-b: a message site-b's certificate brings must carry site-b's signature.
        var refusal = await inbox.ReceiveAsync(_peers.Peer("site-b"), Seal(_peers.Soc, Incident("1-1", "site-b", "line1")), CancellationToken.None);

        Assert.Contains("does not verify with the key pinned for peer 'site-b'", refusal, StringComparison.Ordinal);
        Assert.Equal(1, inbox.Refused[PeerRefusal.BadSignature]);
        Assert.Empty(inbox.Messages("incident"));
    }

    [Fact]
    public async Task ReceiveAsync_MessageAlteredAfterSigning_IsRefusedAsBadSignature()
    {
        using var inbox = Inbox();
        var envelope = JsonSerializer.Deserialize(Seal(_peers.SiteB, Incident("1-1", "site-b", "line1")), PeerJson.Default.PeerEnvelope)!;
        var altered = envelope with { Message = envelope.Message.Replace("\"high\"", "\"low\"", StringComparison.Ordinal) };

        var refusal = await inbox.ReceiveAsync(_peers.Peer("site-b"), JsonSerializer.SerializeToUtf8Bytes(altered, PeerJson.Default.PeerEnvelope), CancellationToken.None);

        Assert.NotEqual(envelope.Message, altered.Message);
        Assert.NotNull(refusal);
        Assert.Equal(1, inbox.Refused[PeerRefusal.BadSignature]);
    }

    [Theory]
    [InlineData("site-b", "other-site", PeerRefusal.WrongRecipient, "signed for 'other-site'")]
    [InlineData("soc", "line1", PeerRefusal.WrongSender, "signed as from 'soc', but the certificate proved 'site-b'")]
    public async Task ReceiveAsync_SignedForAnotherSiteOrAsAnotherSender_IsRefusedWithItsReason(string from, string to, PeerRefusal reason, string expected)
    {
        using var inbox = Inbox();

        var refusal = await inbox.ReceiveAsync(_peers.Peer("site-b"), Seal(_peers.SiteB, Incident("1-1", from, to)), CancellationToken.None);

        Assert.Contains(expected, refusal, StringComparison.Ordinal);
        Assert.Equal(1, inbox.Refused[reason]);
    }

    [Fact]
    public async Task ReceiveAsync_OversizedOrGarbage_IsRefusedBeforeAnyParsingOrAsMalformed()
    {
        using var inbox = Inbox(new PeerInboxLimits { MaxMessageBytes = 1024 });

        var big = await inbox.ReceiveAsync(_peers.Peer("site-b"), new byte[1025], CancellationToken.None);
        var garbage = await inbox.ReceiveAsync(_peers.Peer("site-b"), "{\"message\": 3"u8.ToArray(), CancellationToken.None);

        Assert.Contains("at most 1024 bytes", big, StringComparison.Ordinal);
        Assert.StartsWith("not a peer envelope", garbage, StringComparison.Ordinal);
        Assert.Equal((1, 1), (inbox.Refused[PeerRefusal.Oversized], inbox.Refused[PeerRefusal.Malformed]));
    }

    [Fact]
    public async Task ReceiveAsync_FasterThanTheRate_IsRefusedUntilTokensReturn()
    {
        using var inbox = Inbox(new PeerInboxLimits { MessagesPerSecond = 1, Burst = 2 });
        var peer = _peers.Peer("site-b");

        Assert.Null(await inbox.ReceiveAsync(peer, Seal(_peers.SiteB, Incident("1-1", "site-b", "line1")), CancellationToken.None));
        Assert.Null(await inbox.ReceiveAsync(peer, Seal(_peers.SiteB, Incident("1-2", "site-b", "line1")), CancellationToken.None));
        var third = await inbox.ReceiveAsync(peer, Seal(_peers.SiteB, Incident("1-3", "site-b", "line1")), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1));
        var later = await inbox.ReceiveAsync(peer, Seal(_peers.SiteB, Incident("1-3", "site-b", "line1")), CancellationToken.None);

        Assert.Contains("faster than 1/s", third, StringComparison.Ordinal);
        Assert.Null(later);
        Assert.Equal((1, 3), (inbox.Refused[PeerRefusal.RateLimited], inbox.Kept));
    }

    [Fact]
    public async Task ReceiveAsync_QueueFull_IsRefusedAndTheRetryKeptOnceThereIsRoom()
    {
        using var inbox = Inbox(new PeerInboxLimits { QueueLength = 1 });
        var peer = _peers.Peer("site-b");
        var second = Seal(_peers.SiteB, Incident("1-2", "site-b", "line1"));

        Assert.Null(await inbox.ReceiveAsync(peer, Seal(_peers.SiteB, Incident("1-1", "site-b", "line1")), CancellationToken.None));
        var full = await inbox.ReceiveAsync(peer, second, CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var applied = 0;
        inbox.Apply = (_, _, _) =>
        {
            Interlocked.Increment(ref applied);
            return Task.CompletedTask;
        };
        var running = inbox.RunAsync(stop.Token);
        await Eventually.HoldsAsync(() => inbox.Waiting, n => n == 0, TimeSpan.FromSeconds(10), "the queue drained");
        var retried = await inbox.ReceiveAsync(peer, second, CancellationToken.None);
        await Eventually.HoldsAsync(() => Volatile.Read(ref applied), n => n == 2, TimeSpan.FromSeconds(10), "both applied");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);

        Assert.Contains("waiting to be applied", full, StringComparison.Ordinal);
        Assert.Null(retried);
        Assert.Equal((1, 2, 0), (inbox.Refused[PeerRefusal.QueueFull], inbox.Kept, inbox.Repeats));
    }

    public void Dispose() => _peers.Dispose();

    private static PeerMessage Incident(string id, string from, string to) =>
        new(id, from, to, "incident", 1)
        {
            Incident = new PeerIncident(from, 7, 1, "high", "out_of_range on asset:tank1", "3-findings-in-60s", ["out_of_range"], ["T0830"]),
        };

    private static byte[] Seal(Ledger.Witnessing.WitnessSigningKey key, PeerMessage message)
    {
        var text = JsonSerializer.Serialize(message, PeerJson.Default.PeerMessage);
        var envelope = new PeerEnvelope(text, Convert.ToBase64String(key.SignMessage(Encoding.UTF8.GetBytes(text))));
        return JsonSerializer.SerializeToUtf8Bytes(envelope, PeerJson.Default.PeerEnvelope);
    }

    private PeerInbox Inbox(PeerInboxLimits? limits = null) =>
        new("line1", Path.Combine(_peers.Directory, Guid.NewGuid().ToString("N")), limits ?? new PeerInboxLimits(), _time);
}

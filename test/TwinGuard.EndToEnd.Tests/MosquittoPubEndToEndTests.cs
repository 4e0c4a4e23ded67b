using TwinGuard.Twins.Findings;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// <c>mosquitto_pub</c> (a real third-party client) sends good, malformed, out-of-range and unauthorised messages to a
/// real <c>twinguard serve</c> host; the test checks exactly which refusals and findings result.
/// </summary>
public sealed class MosquittoPubEndToEndTests
{
    private static string Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Serve_MixedTrafficFromMosquittoPub_RefusesExactlyTheBadMessages()
    {
        await using var site = await ServedSite.StartAsync();
        var port = site.MqttPort;

        // Good: a multi-signal message and a single-signal one.
        Assert.Equal(0, (await MosquittoPub.PublishAsync(port, "tank-gateway", "demo-tank-gateway", "plant/tank1", $$$"""{"ts":{{{Now()}}},"seq":1,"values":{"level":1.2,"fluid_temp":24.5}}""")).ExitCode);
        Assert.Equal(0, (await MosquittoPub.PublishAsync(port, "vibration-node", "demo-vibration-node", "plant/pump1/vibration", $$$"""{"ts":{{{Now()}}},"seq":1,"value":0.21}""")).ExitCode);
        // Malformed payload.
        await MosquittoPub.PublishAsync(port, "tank-gateway", "demo-tank-gateway", "plant/tank1", "level=1.2");
        // Out of range (level is 0..2 m) beside a valid value in the same message, and a value of the wrong type.
        await MosquittoPub.PublishAsync(port, "tank-gateway", "demo-tank-gateway", "plant/tank1", $$$"""{"ts":{{{Now()}}},"seq":2,"values":{"level":9.5,"fluid_temp":"warm"}}""");
        // Unauthorised topic: the tank gateway may not publish for the pump.
        await MosquittoPub.PublishAsync(port, "tank-gateway", "demo-tank-gateway", "plant/pump1", $$$"""{"ts":{{{Now()}}},"seq":3,"values":{"flow":80}}""");
        // Unknown source and wrong password: refused at connection.
        var unknown = await MosquittoPub.PublishAsync(port, "intruder", "guess", "plant/tank1", "{}");
        var wrongPassword = await MosquittoPub.PublishAsync(port, "tank-gateway", "not-the-password", "plant/tank1", "{}");
        // Stolen credentials: the gateway's right password from an address the plant model does not list for it.
        var stolen = await MosquittoPub.PublishAsync(port, "tank-gateway", "demo-tank-gateway", "plant/tank1", $$$"""{"ts":{{{Now()}}},"seq":50,"values":{"level":0.4}}""", bindAddress: "127.0.0.2");
        // Replay: an old sequence number.
        await MosquittoPub.PublishAsync(port, "tank-gateway", "demo-tank-gateway", "plant/tank1", $$$"""{"ts":{{{Now()}}},"seq":1,"values":{"level":1.2}}""");

        Assert.NotEqual(0, unknown.ExitCode);
        Assert.NotEqual(0, wrongPassword.ExitCode);
        Assert.NotEqual(0, stolen.ExitCode);

        var m = site.Metrics;
        await Eventually.HoldsAsync(() => m.Refusals, n => n >= 8, TimeSpan.FromSeconds(20), "eight refusals");
        await Eventually.HoldsAsync(() => m.ReadingsAccepted, n => n >= 3, TimeSpan.FromSeconds(20), "three accepted readings");

        Assert.Equal(1, m.RefusalsOf(ReasonCode.Malformed));
        Assert.Equal(1, m.RefusalsOf(ReasonCode.OutOfRange));
        Assert.Equal(1, m.RefusalsOf(ReasonCode.WrongType));
        Assert.Equal(1, m.RefusalsOf(ReasonCode.UnauthorisedTopic));
        Assert.Equal(1, m.RefusalsOf(ReasonCode.UnknownSource));
        Assert.Equal(1, m.RefusalsOf(ReasonCode.BadCredentials));
        Assert.Equal(1, m.RefusalsOf(ReasonCode.ReplayedSequence));
        Assert.Equal(1, m.RefusalsOf(ReasonCode.UnexpectedAddress));
        Assert.Equal(8, m.Refusals);
        // level 1.2 + fluid_temp 24.5 + vibration 0.21; nothing else was accepted.
        Assert.Equal(3, m.ReadingsAccepted);
        Assert.Equal(3, m.RefusalsByDevice[("tank-gateway", ReasonCode.Malformed)] + m.RefusalsByDevice[("tank-gateway", ReasonCode.OutOfRange)] + m.RefusalsByDevice[("tank-gateway", ReasonCode.WrongType)]);

        // Every refusal is recorded as a finding and kept with its payload in the store.
        await Eventually.HoldsAsync(() => { using var s = site.OpenStore(); return s.RefusalCounts().Sum(r => r.Count); }, n => n == 8, TimeSpan.FromSeconds(10), "eight stored refusals");
        // Findings reach the store in the record stage's own batches, after the refusals' rows: wait for all eight.
        await Eventually.HoldsAsync(() => { using var s = site.OpenStore(); return s.Findings().Count(f => f.Reason != "stale"); }, n => n >= 8, TimeSpan.FromSeconds(10), "eight stored findings");
        using var store = site.OpenStore();
        var reasons = store.Findings().Select(f => f.Reason).Where(r => r != "stale").OrderBy(r => r, StringComparer.Ordinal).ToList();
        Assert.Equal(["bad_credentials", "malformed", "out_of_range", "replayed_sequence", "unauthorised_topic", "unexpected_address", "unknown_source", "wrong_type"], reasons);
        var thief = store.Findings().Single(f => f.Reason == "unexpected_address");
        Assert.Equal(("tank-gateway", "high"), (thief.DeviceId, thief.Severity));
        Assert.Contains("from 127.0.0.2:", thief.Message, StringComparison.Ordinal);
        var unauthorised = store.Findings().Single(f => f.Reason == "unauthorised_topic");
        Assert.Equal("tank-gateway", unauthorised.DeviceId);
        Assert.Equal("pump1", unauthorised.AssetId);

        // The ledger proves it all: it verifies, every stored finding cites its entry, and the accepted reading is in
        // a reading-batch entry.
        await site.App.StopAsync();
        var ledgerDir = Path.Combine(site.Settings.DataDirectory, "ledger");
        var verification = Ledger.Verification.LedgerVerifier.Verify(ledgerDir);
        Assert.True(verification.Ok, verification.Problem?.Message);
        using var reread = site.OpenStore();
        Assert.All(reread.Findings(), f => Assert.NotNull(f.LedgerEntry));
        using var reader = Ledger.LedgerReader.Open(ledgerDir);
        var entries = reader.ReadEntries(0, (int)reader.CountEntries());
        Assert.Contains(entries, e => e.Kind == Ledger.LedgerEntryKind.ReadingBatch
            && System.Text.Encoding.UTF8.GetString(e.Payload.Span).Contains("\"fluid_temp\":24.5", StringComparison.Ordinal));
        var findingEntry = entries[(int)unauthorised.LedgerEntry!.Value];
        Assert.Equal(Ledger.LedgerEntryKind.Finding, findingEntry.Kind);
        Assert.Contains("unauthorised_topic", System.Text.Encoding.UTF8.GetString(findingEntry.Payload.Span), StringComparison.Ordinal);
    }
}

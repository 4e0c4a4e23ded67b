using System.Text;
using System.Text.Json;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Testing;
using TwinGuard.Twins.Edge;
using TwinGuard.Twins.Edge.Site;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Edge;

public sealed class EdgeSiteTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-edgesite-").FullName;
    private readonly EvidenceSink _evidence = new(new PipelineMetrics(), TimeProvider.System);
    private readonly PlantModel _plant;
    private readonly EdgeSite _site;
    private readonly DeviceModel _edge;

    public EdgeSiteTests()
    {
        // A real edge ledger key, made the way the edge makes it.
        var ledgerDir = Path.Combine(_dir, "edge-ledger");
        var key = Task.Run(async () =>
        {
            await using var ledger = LedgerWriter.Open(ledgerDir, new LedgerOptions { Key = new() { SigningKeyPath = Path.Combine(_dir, "edge.key.pem") } }, TimeProvider.System);
            return ledger.PublicKey.VerifierKey;
        }).GetAwaiter().GetResult();
        var yaml = SamplePlant.Text.Replace("devices:\n", $$"""
            devices:
              - id: edge1
                password_hash: pbkdf2-sha256$100000$L/PHj1E2hqdTIkX88JE+gQ==$A/BcD2Aoru2CEJO1/+ybo+obQWeII51jBeLzzcacUgk=
                topics: [edge/edge1/up]
                subscribe: [edge/edge1/down]
                edge: { ledger_key: "{{key}}" }

            """, StringComparison.Ordinal);
        _plant = PlantModelLoader.Parse(yaml);
        _edge = _plant.FindDevice("edge1")!;
        _site = new EdgeSite(_plant, _evidence, _dir, TimeProvider.System);
    }

    [Fact]
    public async Task ReceiveAsync_SameIdTwice_KeepsItOnceAndAcknowledgesBoth()
    {
        var reading = Message(new EdgeMessage("1764-1", "reading", 1) { Reading = new EdgeReading("tank1", "tank-gateway", 1, 0, 1, new Dictionary<string, double> { ["level"] = 1 }) });

        Assert.Null(await _site.ReceiveAsync(_edge, reading, CancellationToken.None));
        Assert.Null(await _site.ReceiveAsync(_edge, reading, CancellationToken.None));

        Assert.Equal(1, _site.Count("edge1", "reading"));
        Assert.Equal((1, 1), (_site.Kept, _site.Repeats));
    }

    [Fact]
    public async Task ReceiveAsync_ReadingSentTwice_ReachesTheSiteTwinOnceJudgedAgainstWhenTheEdgeReceivedIt()
    {
        var (inbox, _) = Forwarding();
        var received = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds(); // a backlog after a cut link
        var reading = Message(new EdgeMessage("1764-3", "reading", received)
        {
            Reading = new EdgeReading("tank1", "tank-gateway", 7, 2, received - 20, new Dictionary<string, double> { ["level"] = 1.5, ["fluid_temp"] = 40 }),
        });

        Assert.Null(await _site.ReceiveAsync(_edge, reading, CancellationToken.None));
        Assert.Null(await _site.ReceiveAsync(_edge, reading, CancellationToken.None));

        var (asset, message) = Assert.Single(inbox.Delivered);
        Assert.Equal(("tank1", "tank-gateway", 7L, 2L, received - 20, received), (asset, message.DeviceId, message.Sequence, message.Boot, message.TimestampMs, message.ForwardedAtMs));
        var tank = _plant.FindAsset("tank1")!;
        Assert.Equal([new SignalValue(tank.IndexOf("level"), 1.5), new SignalValue(tank.IndexOf("fluid_temp"), 40)], message.Values.OrderBy(v => v.SignalIndex).ToArray());
        Assert.Equal((1L, 0L), (_site.Readings!.Delivered, _site.Readings.Refused));
    }

    [Theory]
    [InlineData("nobody", "tank1", "level", ReasonCode.UnknownSource)]
    [InlineData("edge1", "tank1", "level", ReasonCode.UnknownSource)]
    [InlineData("tank-gateway", "no-such-asset", "level", ReasonCode.UnknownAsset)]
    [InlineData("tank-gateway", "tank1", "no-such-signal", ReasonCode.UnknownSignal)]
    [InlineData("loop-plc", "tank1", "level", ReasonCode.UnauthorisedTopic)]
    public async Task ReceiveAsync_ReadingTheSiteWouldNotTake_RefusedAsAFindingAndAcknowledged(string device, string asset, string signal, ReasonCode reason)
    {
        var (inbox, _) = Forwarding();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var reading = Message(new EdgeMessage("1764-4", "reading", now) { Reading = new EdgeReading(asset, device, 1, 0, now, new Dictionary<string, double> { [signal] = 1 }) });

        Assert.Null(await _site.ReceiveAsync(_edge, reading, CancellationToken.None)); // final: nothing for the edge to retry

        Assert.Empty(inbox.Delivered);
        Assert.True(_evidence.Findings.TryRead(out var finding));
        Assert.Equal(reason, finding.Reason);
        Assert.Contains("edge", finding.Message, StringComparison.Ordinal);
        Assert.Equal(1, _site.Readings!.Refused);
    }

    [Fact]
    public async Task ReceiveAsync_ReadingOfADeviceQuarantinedAtTheSite_RefusedThoughTheEdgeAcceptedIt()
    {
        var (inbox, quarantine) = Forwarding();
        quarantine.AddDevice("tank-gateway");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var reading = Message(new EdgeMessage("1764-5", "reading", now) { Reading = new EdgeReading("tank1", "tank-gateway", 1, 0, now, new Dictionary<string, double> { ["level"] = 1 }) });

        Assert.Null(await _site.ReceiveAsync(_edge, reading, CancellationToken.None));

        Assert.Empty(inbox.Delivered);
        Assert.True(_evidence.Findings.TryRead(out var finding));
        Assert.Equal((ReasonCode.Quarantined, "tank-gateway"), (finding.Reason, finding.DeviceId));
    }

    [Fact]
    public async Task ReceiveAsync_Checkpoints_CosignsTheEdgesAndRefusesCountsAndRaisesForgedAndForked()
    {
        var down = new List<EdgeDownMessage>();
        _site.SendDown = (_, bytes, _) =>
        {
            down.Add(JsonSerializer.Deserialize(bytes, EdgeJson.Default.EdgeDownMessage)!);
            return Task.CompletedTask;
        };
        var first = await CheckpointRequestAsync(Path.Combine(_dir, "edge-ledger"), entries: 3, oldSize: 0);
        var lines = first.Split('\n');
        lines[4] = Convert.ToBase64String(new byte[32]); // the root hash: the edge's signature no longer covers the note
        var forged = string.Join('\n', lines);
        // The same key over another history, proven from the size the site cosigned: a fork.
        var cosignedSize = long.Parse(lines[3], System.Globalization.CultureInfo.InvariantCulture);
        var fork = await CheckpointRequestAsync(Path.Combine(_dir, "fork-ledger"), entries: (int)cosignedSize + 2, oldSize: cosignedSize);

        Assert.Null(await _site.ReceiveAsync(_edge, Message(new EdgeMessage("1764-6", "checkpoint", 1) { Checkpoint = first }), CancellationToken.None));
        Assert.Null(await _site.ReceiveAsync(_edge, Message(new EdgeMessage("1764-7", "checkpoint", 1) { Checkpoint = forged }), CancellationToken.None));
        Assert.Null(await _site.ReceiveAsync(_edge, Message(new EdgeMessage("1764-8", "checkpoint", 1) { Checkpoint = fork }), CancellationToken.None));

        Assert.Equal([200, 403, 422], down.Select(d => d.Status));
        Assert.Equal((1L, 2L), _site.Checkpoints);
        var raised = new List<Finding>();
        while (_evidence.Findings.TryRead(out var f))
        {
            raised.Add(f);
        }

        Assert.Equal(2, raised.Count(f => f.Reason == ReasonCode.CheckpointRefused && f.DeviceId == "edge1"));
    }

    [Fact]
    public async Task ReceiveAsync_Finding_RaisesItIntoTheSitePipelineNamingTheEdge()
    {
        var finding = Message(new EdgeMessage("1764-2", "finding", 1)
        {
            Finding = new EdgeFinding(1_764_115_200_000, "replayed_sequence", "high", "tank1", null, "tank-gateway", null, 0, "sequence 3 again", null),
        });

        Assert.Null(await _site.ReceiveAsync(_edge, finding, CancellationToken.None));

        Assert.True(_evidence.Findings.TryRead(out var raised));
        Assert.Equal((ReasonCode.ReplayedSequence, Severity.High, "tank1", "tank-gateway"), (raised.Reason, raised.Severity, raised.AssetId, raised.DeviceId));
        Assert.StartsWith("edge edge1: ", raised.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"id": "", "kind": "reading", "time": 1}""")]
    [InlineData("""{"id": "1-1", "kind": "reading", "time": 1}""")]
    [InlineData("""{"id": "1-1", "kind": "finding", "time": 1, "finding": {"time": 1, "reason": "made_up", "severity": "high", "score": 0, "message": "x"}}""")]
    [InlineData("""{"id": "1-1", "kind": "finding", "time": 1, "finding": {"time": 1, "reason": "stale", "severity": "7", "score": 0, "message": "x"}}""")]
    public async Task ReceiveAsync_Malformed_RefusesWithAReasonAndKeepsNothing(string payload)
    {
        var refusal = await _site.ReceiveAsync(_edge, Encoding.UTF8.GetBytes(payload), CancellationToken.None);

        Assert.False(string.IsNullOrEmpty(refusal));
        Assert.Equal((0, 1), (_site.Kept, _site.Refused));
        Assert.False(_evidence.Findings.TryRead(out _));
    }

    [Fact]
    public async Task ReceiveAsync_Oversized_Refused()
    {
        var refusal = await _site.ReceiveAsync(_edge, new byte[EdgeSite.MaxMessageBytes + 1], CancellationToken.None);

        Assert.Contains("at most", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("quarantine: source", ActionOutcome.Done, "quarantine", "device")]
    [InlineData("quarantine: asset", ActionOutcome.AlreadyInPlace, "quarantine", "asset")]
    [InlineData("revoke_credentials: device", ActionOutcome.Done, "revoke", "device")]
    [InlineData("release: source", ActionOutcome.Released, "release", "device")]
    public void ContainmentOf_ContainingAction_IsSentToTheEdges(string action, ActionOutcome outcome, string verb, string target)
    {
        var containment = EdgeSite.ContainmentOf(new ActionRecord(1, DateTimeOffset.UnixEpoch, null, null, action, "loop-plc", outcome, "operator", "why", TimeSpan.Zero));

        Assert.Equal((verb, target, "loop-plc", "site"), (containment!.Action, containment.Target, containment.Id, containment.By));
    }

    [Theory]
    [InlineData("notify: [soc]", ActionOutcome.Done)]
    [InlineData("quarantine: source", ActionOutcome.AwaitingApproval)]
    [InlineData("block_address: source", ActionOutcome.Done)]
    public void ContainmentOf_OtherAction_IsNotSent(string action, ActionOutcome outcome) =>
        Assert.Null(EdgeSite.ContainmentOf(new ActionRecord(1, DateTimeOffset.UnixEpoch, null, null, action, "x", outcome, "operator", "why", TimeSpan.Zero)));

    [Fact]
    public async Task LinkedAsync_ContainmentsInForce_SentAgainToThatEdge()
    {
        var sent = new List<(string Edge, EdgeDownMessage Message)>();
        _site.SendDown = (edge, bytes, _) =>
        {
            sent.Add((edge, JsonSerializer.Deserialize(bytes, EdgeJson.Default.EdgeDownMessage)!));
            return Task.CompletedTask;
        };
        _site.ActiveContainments = () =>
        [
            EdgeSite.ContainmentOf(new QuarantineEntry(1, QuarantineKind.Source, "loop-plc", null, DateTimeOffset.UnixEpoch, "op", "why", null, null, null, null, null))!,
        ];

        await _site.LinkedAsync(_edge, CancellationToken.None);

        var (edge, message) = Assert.Single(sent);
        Assert.Equal(("edge1", "containment", "quarantine", "device", "loop-plc"),
            (edge, message.Kind, message.Containment!.Action, message.Containment.Target, message.Containment.Id));
    }

    [Fact]
    public void ContainmentOf_AddressQuarantine_StaysAtTheSite() =>
        Assert.Null(EdgeSite.ContainmentOf(new QuarantineEntry(1, QuarantineKind.Address, "203.0.113.7", null, DateTimeOffset.UnixEpoch, "op", "why", null, null, null, null, null)));

    public void Dispose()
    {
        _site.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private (RecordingInbox Inbox, QuarantineList Quarantine) Forwarding()
    {
        var inbox = new RecordingInbox();
        var quarantine = new QuarantineList();
        var gate = new ReadingGate(_plant, quarantine, new FloodGuard(_plant, TimeProvider.System), _evidence, inbox);
        _site.Readings = new ForwardedReadings(gate, inbox);
        return (inbox, quarantine);
    }

    private async Task<string> CheckpointRequestAsync(string ledgerDirectory, int entries, long oldSize)
    {
        await using var ledger = LedgerWriter.Open(ledgerDirectory, new LedgerOptions { Key = new() { SigningKeyPath = Path.Combine(_dir, "edge.key.pem") } }, TimeProvider.System);
        await using var witnessing = new CheckpointWitnessing(ledger, [], new HttpClient());
        while (ledger.LatestCheckpoint?.TreeSize is not { } size || size < entries)
        {
            ledger.Append(LedgerEntryKind.Finding, System.Text.Encoding.UTF8.GetBytes(ledgerDirectory + (ledger.LatestCheckpoint?.TreeSize ?? 0)));
            await ledger.CheckpointAsync();
        }

        return witnessing.AddCheckpointRequest(ledger.LatestCheckpoint!, oldSize);
    }

    private static byte[] Message(EdgeMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, EdgeJson.Default.EdgeMessage);
}

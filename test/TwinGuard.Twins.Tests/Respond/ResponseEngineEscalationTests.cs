using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ledger;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>
/// The respond stage wired to a real record stage, SQLite store and ledger: an incident that becomes severe only after
/// it opened is answered by the playbook that matches it then, exactly once.
/// </summary>
public sealed class ResponseEngineEscalationTests : IAsyncLifetime
{
    private const string Playbooks = """
        playbooks:
          - id: tampered-process-values
            trigger:
              scope: asset
              severity: high
              reasons: [relation_violated, persistent_shift]
            conditions:
              min_criticality: high
            actions:
              - quarantine: signals
              - read_only: asset
          - id: intruder-at-the-broker
            trigger:
              reasons: [unknown_source]
            conditions:
              device_known: false
            actions:
              - quarantine: source
              - block_address: source
                approval: required
          - id: replayed-conveyor
            trigger:
              assets: [conveyor1]
              reasons: [replayed_sequence]
            actions:
              - quarantine: signals
                expires: 5m
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-escalation-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
    private readonly PlantModel _plant = SamplePlant.Load();
    private readonly QuarantineList _quarantine = new();
    private readonly RecordingBroker _broker = new();
    private LedgerWriter _ledger = null!;
    private PlantStore _plantStore = null!;
    private ResponseStore _store = null!;
    private EvidenceSink _evidence = null!;
    private CorrelateStage _correlate = null!;
    private ResponseEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _ledger = LedgerWriter.Open(Path.Combine(_dir, "ledger"), LedgerOptions.Default, _time);
        _plantStore = PlantStore.Open(_dir);
        _store = ResponseStore.Open(_dir, _time);
        _evidence = new EvidenceSink(new PipelineMetrics(), _time);
        _correlate = new CorrelateStage(_evidence, new IncidentCorrelator(new CorrelationSettings(TimeSpan.FromSeconds(30), 3)), new RecordStage(_evidence, _plantStore, new LedgerRecorder(_ledger)));
        _engine = NewEngine(_store, _quarantine, _correlate);
        _engine.IncidentReleased += _correlate.CloseReleased;
        await _engine.StartAsync(CancellationToken.None);
    }

    /// <summary>A respond stage over <paramref name="store"/>: this serve's, or another silo's sharing the store (no correlate stage of its own here).</summary>
    private ResponseEngine NewEngine(ResponseStore store, QuarantineList quarantine, CorrelateStage? correlate, TimeProvider? time = null, RecordingBroker? broker = null)
    {
        time ??= _time;
        var plan = PlaybookLoader.Parse(Playbooks, _plant, "test-playbooks.yaml");
        return new ResponseEngine(
            plan,
            _plant,
            new ContainmentEnforcer(_plant, quarantine, new AccessRestrictions(), broker ?? _broker, new DryRunNetworkEnforcer("twinguard"), store, time, new ContainmentTargets(plan.Network)),
            new IncidentCommunicator(plan, _plant, [], new IncidentReportWriter(_dir), store, time, NullLogger<IncidentCommunicator>.Instance),
            store,
            time,
            NullLogger<ResponseEngine>.Instance,
            correlate);
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        _store.Dispose();
        _plantStore.Dispose();
        await _ledger.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Escalation_HighFindingJoinsMediumIncident_RunsTheNewlyMatchingPlaybookExactlyOnce()
    {
        foreach (var signal in new[] { "flow", "pressure", "speed" })
        {
            Raise(ReasonCode.RelationViolated, Severity.Medium, signal);
        }

        await SettleAsync();
        var incident = Assert.Single(_plantStore.Incidents());
        Assert.Empty(_store.Actions());

        Raise(ReasonCode.RelationViolated, Severity.High, "motor_temp");
        await SettleAsync();
        Raise(ReasonCode.PersistentShift, Severity.High, "flow");
        Raise(ReasonCode.RelationViolated, Severity.Critical, "motor_current");
        await SettleAsync();

        var actions = _store.Actions();
        Assert.Equal(["quarantine: signals", "read_only: asset"], actions.Select(a => a.Action));
        Assert.All(actions, a => Assert.Equal((incident.Id, "tampered-process-values", ActionOutcome.Done), (a.IncidentId, a.Playbook, a.Outcome)));
        Assert.True(_quarantine.IsSignalQuarantined("pump1", "motor_temp"));
        Assert.True(_engine.IsReadOnly("pump1"));
        Assert.All(_store.Quarantines(), q => Assert.Equal(incident.Id, q.IncidentId));
        var row = Assert.Single(_plantStore.Incidents());
        Assert.Equal(("critical", 6), (row.Severity, row.FindingCount));
    }

    [Fact]
    public async Task RespondAsync_SameIncidentAnnouncedAgain_RunsNoPlaybookTwice()
    {
        var incident = new Incident(9, _time.GetUtcNow(), "asset:pump1", "pump1", "loop-plc", Severity.High, "test", "3-findings-in-30s", [ReasonCode.RelationViolated]);
        Finding[] findings = [new(_time.GetUtcNow(), ReasonCode.RelationViolated, Severity.High, "pump1", "flow", "loop-plc", 1, 0, "flow")];

        await _engine.RespondAsync(incident, findings);
        await _engine.RespondAsync(incident with { Reasons = [ReasonCode.RelationViolated, ReasonCode.PersistentShift] }, findings);

        Assert.Equal(2, _store.Actions(9).Count);
    }

    [Fact]
    public async Task Escalation_UnknownClientKeepsTrying_QuarantinesItsNameWithoutAskingTheBroker()
    {
        for (var i = 0; i < 3; i++)
        {
            _evidence.Raise(new Finding(_time.GetUtcNow(), ReasonCode.UnknownSource, Severity.High, null, null, "maintenance-laptop", null, 0,
                "unknown source 'maintenance-laptop' (client id 'laptop') from 127.0.0.9:40000"));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        await SettleAsync();

        var quarantine = _store.Actions().First(a => a.Action == "quarantine: source");
        Assert.Equal(("maintenance-laptop", ActionOutcome.Done), (quarantine.Target, quarantine.Outcome));
        Assert.True(_quarantine.IsDeviceQuarantined("maintenance-laptop"));
        Assert.Contains(_store.Actions(), a => a.Action == "block_address: source" && a.Outcome == ActionOutcome.AwaitingApproval);
        Assert.Empty(_broker.Requests);

        var entry = Assert.Single(_store.Quarantines());
        Assert.True(await _engine.ReleaseAsync(entry.Id, "erin", "checked: a technician's laptop"));
        Assert.False(_quarantine.IsDeviceQuarantined("maintenance-laptop"));
        Assert.Empty(_broker.Requests);
    }

    [Fact]
    public async Task StageRepeated_AfterItsQuarantineExpired_RunsItsPlaybookAgainAndRecordsWhy()
    {
        var incident = await StolenCredentialsThenReplaysOnConveyorAsync();
        var first = Assert.Single(_store.Actions(), a => a.Playbook == "replayed-conveyor");
        Assert.Equal(("quarantine: signals", ActionOutcome.Done), (first.Action, first.Outcome));
        Assert.True(_quarantine.IsSignalQuarantined("conveyor1", "belt_speed"));

        // The same step again two minutes later, the quarantine still in force: counted in its stage, nothing runs.
        _time.Advance(TimeSpan.FromMinutes(2));
        ReplayOnConveyor();
        await SettleAsync();
        Assert.Equal([1, 2], _plantStore.Stages(incident).Select(s => s.Occurrences));
        Assert.Single(_store.Actions(), a => a.Playbook == "replayed-conveyor");

        // The quarantine expires, and another silo sharing the store is the one that releases and lifts it (its clock a
        // little ahead, so it polls first), so this one lifts its hold without closing the incident; the attacker comes
        // back with the same step: folded into the same stage, and contained again.
        var otherClock = new FakeTimeProvider(_time.GetUtcNow() + TimeSpan.FromMinutes(4));
        using var otherStore = ResponseStore.Open(_dir, otherClock);
        await using var otherSilo = NewEngine(otherStore, new QuarantineList(), correlate: null, otherClock);
        await otherSilo.StartAsync(CancellationToken.None);
        await otherSilo.PollAsync();
        _time.Advance(TimeSpan.FromMinutes(2));
        await _engine.PollAsync();
        Assert.False(_quarantine.IsSignalQuarantined("conveyor1", "belt_speed"));
        Assert.DoesNotContain(_store.Quarantines(), q => q.IncidentId == incident);
        ReplayOnConveyor();
        await SettleAsync();

        Assert.Equal([1, 3], _plantStore.Stages(incident).Select(s => s.Occurrences));
        Assert.Single(_plantStore.Incidents());
        Assert.True(_quarantine.IsSignalQuarantined("conveyor1", "belt_speed"));
        var again = _store.Actions(incident).SkipWhile(a => a.Id <= first.Id).Where(a => a.Outcome != ActionOutcome.Released).ToList();
        Assert.Equal(["respond again: stage 2", "quarantine: signals"], again.Select(a => a.Action));
        Assert.Contains("stage 2 seen again (3 times", again[0].Detail, StringComparison.Ordinal);
        Assert.Equal(("replayed-conveyor", ActionOutcome.Done), (again[1].Playbook, again[1].Outcome));
        Assert.Contains(_store.Quarantines(), q => q.Target == "conveyor1/belt_speed" && q.IncidentId == incident);
    }

    [Fact]
    public async Task StageRepeated_AfterItsQuarantineExpiredOnThisNode_KeepsTheIncidentOpenAndContainsAgain()
    {
        var incident = await StolenCredentialsThenReplaysOnConveyorAsync();
        Assert.True(_quarantine.IsSignalQuarantined("conveyor1", "belt_speed"));

        // It expires and this serve lifts it itself: an expiry ends the containment, not the incident (only an
        // operator's release closes it), so the attacker's return is the same stage again, contained again.
        _time.Advance(TimeSpan.FromMinutes(6));
        await _engine.PollAsync();
        Assert.False(_quarantine.IsSignalQuarantined("conveyor1", "belt_speed"));
        Assert.Contains(_store.Actions(incident), a => a.Action == "release: signal" && a.By == ResponseStore.ExpiryActor);
        ReplayOnConveyor();
        await SettleAsync();

        Assert.Single(_plantStore.Incidents());
        Assert.Equal([1, 2], _plantStore.Stages(incident).Select(s => s.Occurrences));
        Assert.True(_quarantine.IsSignalQuarantined("conveyor1", "belt_speed"));
        Assert.Contains(_store.Actions(incident), a => a.Action == "respond again: stage 2");
    }

    [Fact]
    public async Task Poll_TwoSilosLiftTheSameExpiryAtOnce_RecordTheReleaseOnce()
    {
        await _engine.QuarantineAsync(QuarantineKind.Source, "conveyor-plc", "alice", "firmware check", TimeSpan.FromMinutes(1));
        var otherBroker = new RecordingBroker();
        using var otherStore = ResponseStore.Open(_dir, _time);
        // The other silo's clock is its own and stands still: it polls only when told to, at the moment chosen below.
        var otherClock = new FakeTimeProvider(_time.GetUtcNow());
        await using var otherSilo = NewEngine(otherStore, new QuarantineList(), correlate: null, otherClock, otherBroker);
        await otherSilo.StartAsync(CancellationToken.None);

        // This silo releases the expired quarantine and is half-way through lifting it when the other polls.
        var gate = new TaskCompletionSource();
        _broker.AllowGate = gate.Task;
        _time.Advance(TimeSpan.FromMinutes(2));
        var lifting = _engine.PollAsync();
        await Eventually.HoldsAsync(() => _broker.Requests.ToList(), r => r.Contains("allow conveyor-plc"), TimeSpan.FromSeconds(10), "this silo lifting");
        await otherSilo.PollAsync();
        gate.SetResult();
        await lifting;

        Assert.Contains("allow conveyor-plc", otherBroker.Requests);
        var releases = _store.Actions().Where(a => a.Action == "release: source").ToList();
        Assert.Equal((ResponseStore.ExpiryActor, ActionOutcome.Released), (Assert.Single(releases).By, releases[0].Outcome));
    }

    [Fact]
    public async Task StageRepeated_AfterAnOperatorReleasedItsQuarantineOnAnotherSilo_OpensANewIncidentInsteadOfContainingTheReleasedOneAgain()
    {
        var incident = await StolenCredentialsThenReplaysOnConveyorAsync();
        Assert.True(_quarantine.IsSignalQuarantined("conveyor1", "belt_speed"));

        // An operator releases the quarantine through another silo sharing the store; this one lifts its hold at its
        // next poll.
        using var otherStore = ResponseStore.Open(_dir, _time);
        await using var otherSilo = NewEngine(otherStore, new QuarantineList(), correlate: null);
        await otherSilo.StartAsync(CancellationToken.None);
        foreach (var held in _store.Quarantines().Where(q => q.IncidentId == incident).ToList())
        {
            Assert.True(await otherSilo.ReleaseAsync(held.Id, "operator", "looked at it"));
        }

        await _engine.PollAsync();
        Assert.False(_quarantine.IsSignalQuarantined("conveyor1", "belt_speed"));

        // The same step again: the released incident is not contained again behind the operator's back as its repeat;
        // the misbehaviour opens a new incident, which its playbook contains.
        _time.Advance(TimeSpan.FromSeconds(5));
        ReplayOnConveyor();
        await SettleAsync();

        Assert.DoesNotContain(_store.Actions(incident), a => a.Action.StartsWith("respond again", StringComparison.Ordinal));
        var later = Assert.Single(_plantStore.Incidents(), i => i.Id != incident).Id;
        Assert.True(_quarantine.IsSignalQuarantined("conveyor1", "belt_speed"));
        Assert.Contains(_store.Quarantines(), q => q.Target == "conveyor1/belt_speed" && q.IncidentId == later);
    }

    [Fact]
    public async Task Poll_ApprovalsClaimedByASiloThatDied_CarriedOutOnceAfterTheLease()
    {
        var intruder = PlaybookLoader.Parse(Playbooks, _plant, "test-playbooks.yaml").Playbooks.Single(p => p.Id == "intruder-at-the-broker");
        var incident = new Incident(7, _time.GetUtcNow(), "source:maintenance-laptop", null, "maintenance-laptop", Severity.High, "intruder", "3-findings-in-30s", [ReasonCode.UnknownSource]);
        // Blocking two addresses, both approved and claimed by silo-0, which dies: before carrying out the first, and
        // after carrying out the second (its action recorded, the approval not yet closed).
        var notYet = _store.RequestApproval(new IncidentContext(incident, [], ["203.0.113.9"]), intruder, 1, "maintenance-laptop");
        var carried = _store.RequestApproval(new IncidentContext(incident, [], ["203.0.113.8"]), intruder, 1, "maintenance-laptop");
        Assert.True(_store.Decide(notYet.Id, approve: true, "alice", "block it"));
        Assert.True(_store.Decide(carried.Id, approve: true, "alice", "block it"));
        Assert.All(_store.DueApprovals(_time.GetUtcNow()), d => Assert.True(_store.ClaimApproval(d.Request, "silo-0")));
        _store.Record(7, intruder.Id, "block_address: source", "203.0.113.8", ActionOutcome.Done, "alice (approval 2: block it)", "blocked", TimeSpan.Zero, carried.Id);

        await _engine.PollAsync();
        Assert.Equal(["executing", "executing"], new[] { notYet, carried }.Select(a => _store.FindApproval(a.Id)!.Status));

        _time.Advance(ApprovalClaims.DefaultLease);
        await _engine.PollAsync();

        Assert.Equal(["executed", "executed"], new[] { notYet, carried }.Select(a => _store.FindApproval(a.Id)!.Status));
        var blocks = _store.Actions(7).Where(a => a.Action == "block_address: source").ToList();
        Assert.Equal([("203.0.113.8", ActionOutcome.Done), ("203.0.113.9", ActionOutcome.Done), ("maintenance-laptop", ActionOutcome.AlreadyInPlace)], blocks.Select(a => (a.Target, a.Outcome)));
        Assert.Contains("carried out by silo-0", blocks[^1].Detail, StringComparison.Ordinal);
        Assert.Contains(_store.Quarantines(), q => q.Kind == QuarantineKind.Address && q.Target == "203.0.113.9");
    }

    /// <summary>
    /// Stage 1: loop-plc's credentials presented from elsewhere. Stage 2, a minute later: replays on conveyor1 through
    /// loop-plc, answered by a quarantine of the replayed signals for 5 minutes. Returns the incident.
    /// </summary>
    private async Task<long> StolenCredentialsThenReplaysOnConveyorAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            _evidence.Raise(new Finding(_time.GetUtcNow(), ReasonCode.UnexpectedAddress, Severity.High, null, null, "loop-plc", null, 0, "stolen credentials") { RemoteAddress = "10.9.9.9" });
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        await SettleAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        ReplayOnConveyor();
        await SettleAsync();
        return Assert.Single(_plantStore.Incidents()).Id;
    }

    private void ReplayOnConveyor()
    {
        foreach (var signal in new[] { "belt_speed", "motor_current", "motor_temp" })
        {
            _evidence.Raise(new Finding(_time.GetUtcNow(), ReasonCode.ReplayedSequence, Severity.High, "conveyor1", signal, "loop-plc", 1, 0, $"replayed on conveyor1.{signal}"));
            _time.Advance(TimeSpan.FromMilliseconds(500));
        }
    }

    private void Raise(ReasonCode reason, Severity severity, string signal)
    {
        _evidence.Raise(new Finding(_time.GetUtcNow(), reason, severity, "pump1", signal, "loop-plc", 1, 0, $"{reason.Name()} on pump1.{signal}"));
        _time.Advance(TimeSpan.FromMilliseconds(500));
    }

    /// <summary>Decides what is queued, then waits for the engine's queue to pass everything it was handed.</summary>
    private async Task SettleAsync()
    {
        _correlate.DrainOnce();
        await _engine.PollAsync();
    }
}

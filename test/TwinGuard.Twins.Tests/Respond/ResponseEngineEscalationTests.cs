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
        var plan = PlaybookLoader.Parse(Playbooks, _plant, "test-playbooks.yaml");
        _engine = new ResponseEngine(
            plan,
            _plant,
            new ContainmentEnforcer(_plant, _quarantine, new AccessRestrictions(), _broker, new DryRunNetworkEnforcer("twinguard"), _store, _time, new ContainmentTargets(plan.Network)),
            new IncidentCommunicator(plan, _plant, [], new IncidentReportWriter(_dir), _store, _time, NullLogger<IncidentCommunicator>.Instance),
            _store,
            _time,
            NullLogger<ResponseEngine>.Instance,
            _correlate);
        _engine.IncidentReleased += _correlate.CloseReleased;
        await _engine.StartAsync(CancellationToken.None);
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

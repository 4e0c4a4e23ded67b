using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ledger;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Tests.Correlate;

/// <summary>The correlate stage over a real record stage (SQLite and ledger): incidents are announced before their rows are written.</summary>
public sealed class CorrelateStageTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-record-stage-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
    private readonly List<PlantStore> _stores = [];
    private LedgerWriter _ledger = null!;

    public Task InitializeAsync()
    {
        _ledger = LedgerWriter.Open(Path.Combine(_dir, "ledger"), LedgerOptions.Default, _time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _stores.ForEach(s => s.Dispose());
        await _ledger.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void DrainOnce_CriticalFinding_AnnouncesIncidentBeforeItsRowIsWritten_UnderTheIdTheRowGets()
    {
        var (stage, evidence, store) = NewStage();
        Incident? announced = null;
        var rowsWhenAnnounced = -1;
        stage.IncidentOpened += incident =>
        {
            announced = incident;
            rowsWhenAnnounced = store.Incidents().Count;
        };

        evidence.Raise(Critical("tank-gateway"));
        stage.DrainOnce();

        Assert.NotNull(announced);
        Assert.Equal(0, rowsWhenAnnounced);
        var row = Assert.Single(store.Incidents());
        Assert.Equal(announced.Id, row.Id);
        Assert.Equal(announced.LedgerEntries[0], row.LedgerEntry);
        var finding = Assert.Single(store.Findings());
        Assert.Equal(announced.LedgerEntries[1], finding.LedgerEntry);
        Assert.Equal(row.Id, finding.IncidentId);
    }

    [Fact]
    public void DrainOnce_AfterRestart_NumbersFindingsAndIncidentsAfterTheStoredOnes()
    {
        var (first, evidence, store) = NewStage();
        evidence.Raise(Critical("tank-gateway"));
        first.DrainOnce();
        store.Dispose();
        _stores.Remove(store);

        var (second, evidenceAgain, reopened) = NewStage();
        evidenceAgain.Raise(Critical("loop-plc"));
        second.DrainOnce();

        // Ids come from the store in blocks: the restarted stage continues above everything the first one reserved.
        var incidents = reopened.Incidents().Select(i => i.Id).ToList();
        var findings = reopened.Findings().Select(f => f.Id).ToList();
        Assert.Equal((2, 1L, 2, 1L), (incidents.Count, incidents[1], findings.Count, findings[1]));
        Assert.True(incidents[0] > 1 && findings[0] > 1, $"incident {incidents[0]} and finding {findings[0]} follow the stored ones");
    }

    [Fact]
    public void CloseIncident_Released_NextFindingInItsScopeOpensANewIncident()
    {
        var (stage, evidence, store) = NewStage();
        var opened = new List<Incident>();
        stage.IncidentOpened += opened.Add;
        evidence.Raise(Critical("tank-gateway"));
        stage.DrainOnce();

        _time.Advance(TimeSpan.FromSeconds(2));
        evidence.Raise(Critical("tank-gateway"));
        stage.DrainOnce();
        Assert.Single(opened);

        stage.CloseIncident(opened[0].Id, _time.GetUtcNow(), "released");
        _time.Advance(TimeSpan.FromSeconds(2));
        evidence.Raise(Critical("tank-gateway") with { Time = _time.GetUtcNow() });
        stage.DrainOnce();

        Assert.Equal(2, opened.Count);
        Assert.Equal(["open", "released"], store.Incidents().Select(i => i.Status));
    }

    [Fact]
    public void DrainOnce_IncidentOverMixedFindings_AnnouncesAndStoresTheHighestSeverityAndEveryReason()
    {
        var (stage, evidence, store) = NewStage();
        Incident? announced = null;
        stage.IncidentOpened += incident => announced = incident;

        evidence.Raise(OnPump(ReasonCode.RelationViolated, Severity.High, "flow"));
        evidence.Raise(OnPump(ReasonCode.PersistentShift, Severity.Medium, "pressure"));
        evidence.Raise(OnPump(ReasonCode.MultivariateAnomaly, Severity.Medium, "speed"));
        stage.DrainOnce();

        Assert.NotNull(announced);
        Assert.Equal(Severity.High, announced.Severity);
        Assert.Equal([ReasonCode.RelationViolated, ReasonCode.PersistentShift, ReasonCode.MultivariateAnomaly], announced.Reasons);
        Assert.Equal(3, announced.Members.Count);
        var row = Assert.Single(store.Incidents());
        Assert.Equal(("high", 3), (row.Severity, row.FindingCount));
        Assert.Equal(["relation_violated", "persistent_shift", "multivariate_anomaly"], row.Reasons);
    }

    [Fact]
    public void DrainOnce_JoiningFindingsRaiseSeverityThenAddAReason_AnnounceTwoEscalationsOfTheSameIncident()
    {
        var (stage, evidence, store) = NewStage();
        var opened = new List<Incident>();
        var escalated = new List<Incident>();
        stage.IncidentOpened += opened.Add;
        stage.IncidentEscalated += escalated.Add;
        foreach (var signal in new[] { "flow", "pressure", "speed" })
        {
            evidence.Raise(OnPump(ReasonCode.RelationViolated, Severity.Medium, signal));
        }

        stage.DrainOnce();
        evidence.Raise(OnPump(ReasonCode.RelationViolated, Severity.High, "motor_temp"));
        stage.DrainOnce();
        evidence.Raise(OnPump(ReasonCode.RelationViolated, Severity.High, "motor_current"));
        stage.DrainOnce();
        evidence.Raise(OnPump(ReasonCode.PersistentShift, Severity.Medium, "flow"));
        stage.DrainOnce();

        var incident = Assert.Single(opened);
        Assert.Equal(Severity.Medium, incident.Severity);
        Assert.Equal(2, escalated.Count);
        Assert.All(escalated, e => Assert.Equal(incident.Id, e.Id));
        Assert.Equal(Severity.High, escalated[0].Severity);
        Assert.Equal([ReasonCode.RelationViolated], escalated[0].Reasons);
        Assert.Equal([ReasonCode.RelationViolated, ReasonCode.PersistentShift], escalated[1].Reasons);
        Assert.Equal("motor_temp", Assert.Single(escalated[0].Members).SignalId);
        Assert.Equal(incident.LedgerEntries.Count + 2, escalated[0].LedgerEntries.Count);
        var row = Assert.Single(store.Incidents());
        Assert.Equal(("high", 6), (row.Severity, row.FindingCount));
        Assert.Equal(["relation_violated", "persistent_shift"], row.Reasons);
    }

    [Fact]
    public void DrainOnce_OneFindingRecurringForTwoIntervals_OpensAnIncidentOverItWithoutNewRows()
    {
        var (stage, evidence, store) = NewStage();
        var opened = new List<Incident>();
        stage.IncidentOpened += opened.Add;

        var openedAt = RecurEvery250Ms(stage, evidence, TimeSpan.FromSeconds(25), opened);

        Assert.Equal(TimeSpan.FromSeconds(20), openedAt);
        var incident = Assert.Single(opened);
        Assert.Equal([ReasonCode.RelationViolated], incident.Reasons);
        var finding = Assert.Single(store.Findings());
        Assert.Equal(incident.Id, finding.IncidentId);
        Assert.Equal(1, Assert.Single(store.Incidents()).FindingCount);
    }

    [Fact]
    public void DrainOnce_OneFindingRecurringForLessThanTwoIntervals_OpensNothing()
    {
        var (stage, evidence, store) = NewStage();
        var opened = new List<Incident>();
        stage.IncidentOpened += opened.Add;

        RecurEvery250Ms(stage, evidence, TimeSpan.FromSeconds(19.75), opened);

        Assert.Empty(opened);
        Assert.Null(Assert.Single(store.Findings()).IncidentId);
    }

    [Fact]
    public void DrainOnce_FloodFoldedIntoOneFinding_OpensASourceIncidentOverIt()
    {
        var (stage, evidence, store) = NewStage();
        var opened = new List<Incident>();
        stage.IncidentOpened += opened.Add;

        for (var i = 0; i < 3; i++)
        {
            evidence.Raise(new Finding(_time.GetUtcNow(), ReasonCode.Flooding, Severity.High, "pump1", null, "vibration-node", null, 0, "vibration-node floods"));
            _time.Advance(TimeSpan.FromMilliseconds(100));
            stage.DrainOnce();
        }

        var incident = Assert.Single(opened);
        Assert.Equal(("source:vibration-node", "vibration-node"), (incident.Scope, incident.DeviceId));
        Assert.Equal(incident.Id, Assert.Single(store.Findings()).IncidentId);
    }

    [Fact]
    public void DrainOnce_ReplaysFoldedIntoOneFinding_OpenAnIncidentOnTheAsset()
    {
        // Each replayed sequence number is one more old message sent again: a burst of them is an act, not one event.
        var (stage, evidence, store) = NewStage();
        var opened = new List<Incident>();
        stage.IncidentOpened += opened.Add;

        for (var i = 0; i < 3; i++)
        {
            evidence.Raise(OnPump(ReasonCode.ReplayedSequence, Severity.High, "flow"));
            _time.Advance(TimeSpan.FromMilliseconds(250));
            stage.DrainOnce();
        }

        var incident = Assert.Single(opened);
        Assert.Equal("asset:pump1", incident.Scope);
        Assert.Equal([ReasonCode.ReplayedSequence], incident.Reasons);
        Assert.Equal(incident.Id, Assert.Single(store.Findings()).IncidentId);
    }

    [Fact]
    public void DrainOnce_ProbeThenStolenCredentialsThenSpoofOnAnotherAsset_OneIncidentWithThreeStages()
    {
        var (stage, evidence, store) = NewStage();
        var announced = new List<Incident>();
        stage.IncidentOpened += announced.Add;

        // Stage 1: an unknown client probes the broker from 10.9.9.9.
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.UnknownSource, Severity.High, null, null, "probe-7", null, 0, "unknown client") { RemoteAddress = "10.9.9.9" });
        // Unrelated: a flood from another device and address in between opens an incident of its own.
        _time.Advance(TimeSpan.FromMinutes(2));
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.Flooding, Severity.High, "pump1", null, "vibration-node", null, 0, "flood") { RemoteAddress = "10.1.1.4" });
        // Stage 2, ten minutes later: the same address presents loop-plc's valid credentials.
        _time.Advance(TimeSpan.FromMinutes(8));
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.UnexpectedAddress, Severity.High, null, null, "loop-plc", null, 0, "stolen credentials") { RemoteAddress = "10.9.9.9" });
        // Stage 3, ten minutes later: loop-plc's values are spoofed on another asset.
        _time.Advance(TimeSpan.FromMinutes(10));
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.RelationViolated, Severity.High, "tank1", $"signal{i}", "loop-plc", 1, 0, "spoofed"));

        // Four announcements (each stage is answered by the playbooks on its own), two incidents.
        Assert.Equal(4, announced.Count);
        var (probe, flood, credentials, spoof) = (announced[0], announced[1], announced[2], announced[3]);
        Assert.Equal(("source:probe-7", 1), (probe.Scope, probe.Stage));
        Assert.NotEqual(probe.Id, flood.Id);
        Assert.Equal(("source:loop-plc", probe.Id, 2, "address 10.9.9.9"), (credentials.Scope, credentials.Id, credentials.Stage, credentials.Stages[^1].Link));
        Assert.Equal(("asset:tank1", probe.Id, 3, "device loop-plc"), (spoof.Scope, spoof.Id, spoof.Stage, spoof.Stages[^1].Link));
        Assert.All(announced, a => Assert.Null(a.CampaignId));
        Assert.Equal(2, store.Incidents().Count);

        var incident = store.Incident(probe.Id)!;
        Assert.Equal(["unknown_source", "unexpected_address", "relation_violated"], incident.Reasons);
        Assert.Equal(["T0832", "T0846", "T0856", "T0859", "T0886"], incident.Attack.Select(t => t.Id));
        var stages = store.Stages(probe.Id);
        Assert.Equal([1, 2, 3], stages.Select(s => s.Number));
        Assert.Equal(["source:probe-7", "source:loop-plc", "asset:tank1"], stages.Select(s => s.Scope));
        Assert.Equal(["T0846", "T0886"], stages[0].Attack.Select(t => t.Id));
        Assert.Equal(["T0859"], stages[1].Attack.Select(t => t.Id));
        Assert.Equal(["T0832", "T0856"], stages[2].Attack.Select(t => t.Id));
        // Every finding of the three stages is the incident's evidence; the flood's are not.
        // (repeats fold: the probe's and the thief's three attempts are one finding each, the spoof names three signals).
        Assert.Equal(5, store.Findings(incidentId: probe.Id).Count);
        Assert.All(store.Findings(incidentId: flood.Id), f => Assert.Equal("flooding", f.Reason));
        Assert.Single(store.Stages(flood.Id));
    }

    [Fact]
    public void DrainOnce_SameStepRecursOnTheSameAsset_FoldsIntoItsStageWithCountAndLastSeen()
    {
        var (stage, evidence, store) = NewStage();
        var announced = new List<Incident>();
        stage.IncidentOpened += announced.Add;

        // Stolen credentials from 10.9.9.9, then a spoof on tank1 through loop-plc: two stages.
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.UnexpectedAddress, Severity.High, null, null, "loop-plc", null, 0, "stolen credentials") { RemoteAddress = "10.9.9.9" });
        _time.Advance(TimeSpan.FromMinutes(5));
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.RelationViolated, Severity.High, "tank1", $"signal{i}", "loop-plc", 1, 0, "spoofed"));
        // The same spoof on tank1 twice more, each after tank1 was quiet for longer than the correlation window: the same
        // step (T0832, T0856, no higher severity), folded into stage 2.
        _time.Advance(TimeSpan.FromMinutes(5));
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.RelationViolated, Severity.Medium, "tank1", $"signal{i}", "loop-plc", 1, 0, "spoofed again"));
        _time.Advance(TimeSpan.FromMinutes(5));
        var lastRepeat = _time.GetUtcNow();
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.RelationViolated, Severity.High, "tank1", $"signal{i}", "loop-plc", 1, 0, "spoofed a third time"));
        // A spoof on pump1 through the same device is another asset: a stage of its own.
        _time.Advance(TimeSpan.FromMinutes(5));
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.RelationViolated, Severity.High, "pump1", $"signal{i}", "loop-plc", 1, 0, "spoofed pump"));
        // And tank1 once more, now critical: more severe than its stage, so a stage of its own that the playbooks answer.
        _time.Advance(TimeSpan.FromMinutes(5));
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.RelationViolated, Severity.Critical, "tank1", $"signal{i}", "loop-plc", 1, 0, "spoofed hard"));

        var incident = announced[0].Id;
        Assert.All(announced, a => Assert.Equal(incident, a.Id));
        Assert.Equal([1, 2, 3, 4], announced.Select(a => a.Stage));
        var stages = store.Stages(incident);
        Assert.Equal(["source:loop-plc", "asset:tank1", "asset:pump1", "asset:tank1"], stages.Select(s => s.Scope));
        Assert.Equal([1, 3, 1, 1], stages.Select(s => s.Occurrences));
        Assert.Equal(lastRepeat, stages[1].LastSeen, TimeSpan.FromSeconds(1));
        Assert.True(stages[1].LastSeen - stages[1].Time >= TimeSpan.FromMinutes(10), $"{stages[1].Time} .. {stages[1].LastSeen}");
        Assert.All(stages.Where(s => s.Occurrences == 1), s => Assert.Equal(s.Time, s.LastSeen));
        // The repeats' findings are the incident's evidence: credentials 1, tank1 3 + 3 + 3 (three signals each time), pump1 3, critical tank1 3.
        Assert.Equal(16, store.Findings(incidentId: incident).Count);
        Assert.Single(store.Incidents());
    }

    [Fact]
    public void DrainOnce_StageEscalatedAfterItOpened_ItsLaterRecurrenceAtTheRaisedSeverityFoldsIntoIt()
    {
        // As in simulate's multi-stage intrusion: pump1's spoof opens its stage at medium, a high finding joins and raises
        // it to high, pump1 falls quiet for longer than the correlation window, then high findings of the same step come
        // again. They repeat the stage as it stands now (high), so they fold into it; judged against the stage as it
        // opened (medium) they were more severe and made a second pump1 stage.
        var (stage, evidence, store) = NewStage();
        var announced = new List<Incident>();
        stage.IncidentOpened += announced.Add;
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.UnexpectedAddress, Severity.High, null, null, "loop-plc", null, 0, "stolen credentials") { RemoteAddress = "10.9.9.9" });
        _time.Advance(TimeSpan.FromMinutes(5));
        Burst(evidence, stage, i => OnPump(ReasonCode.RelationViolated, Severity.Medium, $"signal{i}"));
        evidence.Raise(OnPump(ReasonCode.MultivariateAnomaly, Severity.High, "pressure"));
        stage.DrainOnce();
        _time.Advance(TimeSpan.FromMinutes(1));
        Burst(evidence, stage, i => OnPump(ReasonCode.MultivariateAnomaly, Severity.High, $"signal{i}"));

        var stages = store.Stages(announced[0].Id);
        Assert.Equal(["source:loop-plc", "asset:pump1"], stages.Select(s => s.Scope));
        Assert.Equal(("high", 2), (stages[1].Severity, stages[1].Occurrences));
        Assert.Equal(2, announced.Count);
    }

    [Fact]
    public void DrainOnce_IntelMatchOfAPeerReportedAddress_OpensAnIncidentWithItsTechniquesThatTheNextStepJoins()
    {
        var (stage, evidence, store) = NewStage();
        var announced = new List<Incident>();
        stage.IncidentOpened += announced.Add;

        // What IntelAdapter raises when a peer site's indicator matches loop-plc's client next to an anomaly on pump1.
        evidence.Raise(new Finding(_time.GetUtcNow(), ReasonCode.IntelMatch, Severity.Critical, "pump1", null, "loop-plc", null, 0.9,
            "client loop-plc at 10.9.9.9 matches ipv4-addr indicator '10.9.9.9' of feed 'peer:plant-north'", "shared by plant-north"));
        stage.DrainOnce();
        // Five minutes later loop-plc's values are spoofed on tank1: a step further (impact after initial access), same device.
        _time.Advance(TimeSpan.FromMinutes(5));
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.RelationViolated, Severity.High, "tank1", $"signal{i}", "loop-plc", 1, 0, "spoofed"));

        Assert.Equal([1, 2], announced.Select(a => a.Stage));
        Assert.Equal(announced[0].Id, announced[1].Id);
        Assert.Equal(["T0869", "T0886"], announced[0].Stages[0].Attack.Select(t => t.Id));
        var incident = store.Incident(announced[0].Id)!;
        Assert.Equal(["T0832", "T0856", "T0869", "T0886"], incident.Attack.Select(t => t.Id));
        Assert.Equal(["T0869", "T0886"], store.Stages(incident.Id)[0].Attack.Select(t => t.Id));
    }

    [Fact]
    public void DrainOnce_SameStepAgainThroughTheSameDevice_OpensASeparateIncident()
    {
        var (stage, evidence, store) = NewStage();
        var opened = new List<Incident>();
        stage.IncidentOpened += opened.Add;

        // Two spoofs through loop-plc ten minutes apart share a device, but the second is no step further in the kill
        // chain than the first: two incidents, not a story of stages.
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.RelationViolated, Severity.High, "tank1", $"signal{i}", "loop-plc", 1, 0, "spoofed"));
        _time.Advance(TimeSpan.FromMinutes(10));
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.RelationViolated, Severity.High, "pump1", $"signal{i}", "loop-plc", 1, 0, "spoofed"));

        Assert.Equal(2, opened.Select(i => i.Id).Distinct().Count());
        Assert.All(opened, i => Assert.Equal((1, (long?)null), (i.Stage, i.CampaignId)));
        Assert.Equal(2, store.Incidents().Count);
    }

    [Fact]
    public void DrainOnce_LaterStepAfterTheIncidentWasClosed_OpensANewIncidentOfItsCampaign()
    {
        var (stage, evidence, store) = NewStage();
        var opened = new List<Incident>();
        stage.IncidentOpened += opened.Add;

        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.UnexpectedAddress, Severity.High, null, null, "loop-plc", null, 0, "stolen credentials") { RemoteAddress = "10.9.9.9" });
        stage.CloseReleased(opened[0].Id, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromMinutes(5));
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.RelationViolated, Severity.High, "tank1", $"signal{i}", "loop-plc", 1, 0, "spoofed"));

        Assert.Equal(2, opened.Count);
        Assert.NotEqual(opened[0].Id, opened[1].Id);
        Assert.Equal((1, (long?)opened[0].Id), (opened[1].Stage, opened[1].CampaignId));
        Assert.Equal("released", store.Incident(opened[0].Id)!.Status);
        Assert.Equal([opened[0].Id, opened[1].Id], store.Campaign(opened[0].Id).Select(i => i.Id));
    }

    [Fact]
    public void DrainOnce_LaterStepBeyondTheCampaignWindow_OpensASeparateIncident()
    {
        var (stage, evidence, _) = NewStage();
        var opened = new List<Incident>();
        stage.IncidentOpened += opened.Add;

        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.UnexpectedAddress, Severity.High, null, null, "loop-plc", null, 0, "stolen credentials") { RemoteAddress = "10.9.9.9" });
        _time.Advance(CorrelationSettings.Default.CampaignWindow + TimeSpan.FromMinutes(1));
        Burst(evidence, stage, i => new Finding(_time.GetUtcNow(), ReasonCode.RelationViolated, Severity.High, "tank1", $"signal{i}", "loop-plc", 1, 0, "spoofed"));

        Assert.Equal(2, opened.Select(i => i.Id).Distinct().Count());
        Assert.All(opened, i => Assert.Equal((1, (long?)null), (i.Stage, i.CampaignId)));
    }

    private void Burst(EvidenceSink evidence, CorrelateStage stage, Func<int, Finding> finding)
    {
        for (var i = 0; i < 3; i++)
        {
            evidence.Raise(finding(i));
            _time.Advance(TimeSpan.FromMilliseconds(200));
            stage.DrainOnce();
        }
    }

    /// <summary>One relation_violated finding on pump1.flow every 250 ms for <paramref name="duration"/>; when an incident opened, if one did.</summary>
    private TimeSpan? RecurEvery250Ms(CorrelateStage stage, EvidenceSink evidence, TimeSpan duration, List<Incident> opened)
    {
        var start = _time.GetUtcNow();
        TimeSpan? openedAt = null;
        while (_time.GetUtcNow() - start <= duration)
        {
            evidence.Raise(OnPump(ReasonCode.RelationViolated, Severity.High, "flow"));
            stage.DrainOnce();
            if (opened.Count > 0 && openedAt is null)
            {
                openedAt = _time.GetUtcNow() - start;
            }

            _time.Advance(TimeSpan.FromMilliseconds(250));
        }

        stage.DrainOnce();
        return openedAt;
    }

    private (CorrelateStage Stage, EvidenceSink Evidence, PlantStore Store) NewStage()
    {
        var store = PlantStore.Open(_dir);
        _stores.Add(store);
        var evidence = new EvidenceSink(new PipelineMetrics(), _time);
        var correlator = new IncidentCorrelator(new CorrelationSettings(TimeSpan.FromSeconds(30), 3));
        return (new CorrelateStage(evidence, correlator, new RecordStage(evidence, store, new LedgerRecorder(_ledger))), evidence, store);
    }

    private Finding OnPump(ReasonCode reason, Severity severity, string signal) =>
        new(_time.GetUtcNow(), reason, severity, "pump1", signal, "loop-plc", 1, 0, $"{reason.Name()} on pump1.{signal}");

    private Finding Critical(string device) =>
        new(_time.GetUtcNow(), ReasonCode.UnauthorisedTopic, Severity.Critical, null, null, device, null, 0, $"{device} published where it may not");
}

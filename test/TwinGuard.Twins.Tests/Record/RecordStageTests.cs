using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ledger;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Tests.Record;

/// <summary>The record stage on a real SQLite store and a real ledger: incidents are announced before their rows are written.</summary>
public sealed class RecordStageTests : IAsyncLifetime
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

        Assert.Equal([2L, 1L], reopened.Incidents().Select(i => i.Id));
        Assert.Equal([2L, 1L], reopened.Findings().Select(f => f.Id));
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

    private (RecordStage Stage, EvidenceSink Evidence, PlantStore Store) NewStage()
    {
        var store = PlantStore.Open(_dir);
        _stores.Add(store);
        var evidence = new EvidenceSink(new PipelineMetrics(), _time);
        var correlator = new IncidentCorrelator(new CorrelationSettings(TimeSpan.FromSeconds(30), 3));
        return (new RecordStage(evidence, store, correlator, new LedgerRecorder(_ledger)), evidence, store);
    }

    private Finding Critical(string device) =>
        new(_time.GetUtcNow(), ReasonCode.UnauthorisedTopic, Severity.Critical, null, null, device, null, 0, $"{device} published where it may not");
}

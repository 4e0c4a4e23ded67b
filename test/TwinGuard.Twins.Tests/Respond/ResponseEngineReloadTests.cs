using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>
/// The respond stage follows a plant model reload: playbooks are matched against the model in force, so an asset
/// that a reload tagged is answered by the playbook of that tag without a restart.
/// </summary>
public sealed class ResponseEngineReloadTests : IAsyncLifetime
{
    private const string Playbooks = """
        playbooks:
          - id: freeze-packaging
            trigger:
              scope: asset
              tags: [packaging]
            actions:
              - read_only: asset
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-respond-reload-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
    private readonly PlantModelSource _plant = new(SamplePlant.Load());
    private readonly AccessRestrictions _access = new();
    private ResponseStore _store = null!;
    private ResponseEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _store = ResponseStore.Open(_dir, _time);
        var plan = PlaybookLoader.Parse(Playbooks, _plant.Current, "test-playbooks.yaml");
        _engine = new ResponseEngine(
            plan,
            _plant,
            new ContainmentEnforcer(_plant, new QuarantineList(), _access, new RecordingBroker(), new DryRunNetworkEnforcer("twinguard"), _store, _time, new ContainmentTargets(plan.Network)),
            new IncidentCommunicator(plan, _plant.Current, [], new IncidentReportWriter(_dir), _store, _time, NullLogger<IncidentCommunicator>.Instance),
            _store,
            _time,
            NullLogger<ResponseEngine>.Instance);
        await _engine.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task RespondAsync_ReloadTagsAnAsset_PlaybookOfThatTagRunsForIt()
    {
        await _engine.RespondAsync(TankIncident(1), TankFindings());
        Assert.Empty(_store.Actions(1));
        Assert.False(_access.IsReadOnly("tank1"), "tank1 is not tagged packaging in the start model");

        const string tank = "  - id: tank1\n";
        var text = SamplePlant.Text;
        var at = text.IndexOf(tank, StringComparison.Ordinal);
        Assert.True(at >= 0, "the sample plant declares tank1");
        var tags = text.IndexOf("    tags: [water-loop]", at, StringComparison.Ordinal);
        var reloaded = string.Concat(text.AsSpan(0, tags), "    tags: [water-loop, packaging]", text.AsSpan(tags + "    tags: [water-loop]".Length));
        _plant.Apply(PlantModelLoader.Parse(reloaded, "plant.yaml"));

        await _engine.RespondAsync(TankIncident(2), TankFindings());
        Assert.NotEmpty(_store.Actions(2));
        Assert.True(_access.IsReadOnly("tank1"), "the packaging playbook made tank1 read-only once the reload tagged it");
    }

    private Incident TankIncident(long id) =>
        new(id, _time.GetUtcNow(), "asset:tank1", "tank1", "tank-gateway", Severity.High, "test", "3-findings-in-30s", [ReasonCode.OutOfRange]);

    private Finding[] TankFindings() => [new(_time.GetUtcNow(), ReasonCode.OutOfRange, Severity.High, "tank1", "level", "tank-gateway", 3, 0, "level")];
}

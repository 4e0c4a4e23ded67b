using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;
using TwinGuard.Ledger;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Twins.Tests.Twin;

/// <summary>An in-process Orleans test cluster hosting the twin grains, with a fake clock and a real ledger.</summary>
public sealed class TwinClusterFixture : IAsyncLifetime
{
    public static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
    public static readonly EvidenceSink Evidence = new(new PipelineMetrics(), Clock);
    public static readonly string LedgerDirectory = Directory.CreateTempSubdirectory("twinguard-grain-ledger-").FullName;
    /// <summary>The directory the ledger sequencer grain writes (a cluster's one ledger).</summary>
    public static readonly string SequencedLedgerDirectory = Path.Combine(Directory.CreateTempSubdirectory("twinguard-sequenced-ledger-").FullName, "ledger");

    public static readonly string StateDirectory = Directory.CreateTempSubdirectory("twinguard-grain-state-").FullName;
    private static LedgerWriter? _ledger;

    /// <summary>
    /// The sample plant plus a <c>controller</c> asset with a measured level and its set-point (the sample has no
    /// set-point signal), an <c>iso</c> asset whose <c>x</c> two relations read (for blame isolation), and a
    /// <c>persisted</c>, a <c>warming</c> and a <c>persisted-once</c> asset that only the persistence tests use (they
    /// deactivate their twins), a <c>batched</c> asset that only the dispatcher's flat-out test floods, and a <c>held</c>
    /// asset whose signal only the held-value learning test quarantines.
    /// </summary>
    public static readonly PlantModel Plant = PlantModelLoader.Parse(SamplePlant.Text.Replace(
        "\ndevices:",
        "\n" + """
          - id: controller
            kind: controller
            signals:
              - { id: level, unit: m, range: [0, 2], max_rate: 0.5, period: 250ms }
              - { id: level_setpoint, kind: setpoint, unit: m, range: [0, 2], operating: { low: 0.8, high: 1.2 }, period: 250ms }
          - id: iso
            kind: test
            signals:
              - { id: x, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
              - { id: y, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
              - { id: z, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
          - id: persisted
            kind: test
            signals:
              - { id: a, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
              - { id: b, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
              - { id: c, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
          - id: warming
            kind: test
            signals:
              - { id: a, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
              - { id: b, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
              - { id: c, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
          - id: batched
            kind: test
            signals:
              - { id: a, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
          - id: persisted-once
            kind: test
            signals:
              - { id: a, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
              - { id: b, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
              - { id: c, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
          - id: held
            kind: test
            signals:
              - { id: a, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
              - { id: b, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }
              - { id: c, unit: u, range: [0, 100], max_rate: 1000, period: 250ms }

        devices:
        """,
        StringComparison.Ordinal) + """
          - id: iso-y-follows-x
            kind: algebraic
            expression: "iso.y ~ 2 * iso.x"
            tolerance: 1
          - id: iso-z-follows-x
            kind: algebraic
            expression: "iso.z ~ 3 * iso.x"
            tolerance: 1

        """);

    /// <summary>The model in force for the grains (they follow a reload applied through it).</summary>
    public static readonly PlantModelSource Source = new(Plant);

    public TestCluster Cluster { get; private set; } = null!;

    /// <summary>A service of the (in-process) silo: its quarantine list, its local twins.</summary>
    public T SiloService<T>() => Cluster.Primary is InProcessSiloHandle silo
        ? (T)silo.SiloHost.Services.GetService(typeof(T))!
        : throw new InvalidOperationException("expected an in-process silo");

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        if (_ledger is not null)
        {
            await _ledger.DisposeAsync();
        }
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.ConfigureServices(services =>
        {
            services.AddSingleton(Plant);
            services.AddSingleton(Source);
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton(Evidence);
            services.AddSingleton<QuarantineList>();
            services.AddSingleton<TwinGuard.Twins.Detect.DetectionSensitivity>();
            services.AddSingleton<TwinGuard.Twins.Detect.DetectorTuning>();
            services.AddSingleton<LocalTwins>();
            services.AddSingleton<TwinGuard.Twins.Detect.AlarmLog>();
            services.AddSingleton(_ => _ledger ??= LedgerWriter.Open(LedgerDirectory, LedgerOptions.Default, Clock));
            services.AddSingleton<LedgerRecorder>();
            services.AddSingleton(TwinPersistence.Default);
            services.AddGrainStorage(TwinPersistence.StorageName, (sp, _) => new SqliteGrainStorage(
                Path.Combine(StateDirectory, "twins.db"), new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>())));
            services.AddSingleton(_ => TwinGuard.Twins.Validate.SequenceStore.Open(LedgerDirectory + "-sequences"));
            services.AddSingleton(new TwinGuard.Twins.Cluster.ClusterLedgerOptions(SequencedLedgerDirectory, LedgerOptions.Default));
        });
    }
}

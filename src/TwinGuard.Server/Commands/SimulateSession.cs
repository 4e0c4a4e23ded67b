using System.Collections.Concurrent;
using TwinGuard.Server.Hosting;
using TwinGuard.Simulator.Running;
using TwinGuard.Simulator.Scenarios;
using TwinGuard.Simulator.Scoring;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Commands;

/// <summary>
/// One scenario run through the same host as <c>serve</c> (Orleans silo, embedded broker, gate, twins, detectors,
/// correlation, playbooks, ledger), on a <see cref="SimulationClock"/> shared by the host and the simulator.
/// </summary>
/// <remarks>
/// Every component takes its time from <see cref="HostSettings.Time"/>: validation's skew checks, the twins' staleness
/// timers (Orleans grain timers resolve the same provider), the detectors, the flood guard, correlation windows,
/// playbook timeouts and expiries, and the ledger's timestamps. The clock moves only in 250 ms ticks, after the
/// pipeline has taken in the previous tick (<see cref="SimulatePace"/>), so the run is as fast as the machine allows
/// and its results do not depend on how fast that is.
/// </remarks>
internal static class SimulateSession
{
    /// <summary>Simulated time at which every run starts: fixed so that runs are reproducible.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 1, 5, 6, 0, 0, TimeSpan.Zero);

    /// <summary>A run starts at a whole multiple of this after <see cref="Epoch"/>, however long the host took to start.</summary>
    public static readonly TimeSpan StartAlignment = TimeSpan.FromSeconds(10);

    public static async Task<SimulateScenarioResult> RunAsync(
        Scenario scenario, SimulateSettings settings, bool relations, bool normalOnly, CancellationToken cancellationToken)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("twinguard-simulate-").FullName;
        if (settings.KeepData)
        {
            // On stderr, so that --json output stays one document; the JSON names it too (dataDirectory).
            await Console.Error.WriteLineAsync($"{scenario.Id} (seed {settings.Seed}): data kept in {dataDirectory}");
        }

        try
        {
            return await RunInAsync(scenario, settings, relations, normalOnly, dataDirectory, cancellationToken);
        }
        finally
        {
            if (!settings.KeepData)
            {
                TryDelete(dataDirectory);
            }
        }
    }

    private static async Task<SimulateScenarioResult> RunInAsync(
        Scenario scenario, SimulateSettings settings, bool relations, bool normalOnly, string dataDirectory, CancellationToken cancellationToken)
    {
        var plant = relations ? settings.Plant : settings.Plant with { Relations = [] };
        var clock = new SimulationClock(Epoch);
        var (app, hostSettings) = await LoopbackSite.StartAsync(
            () =>
            {
                var onPorts = LoopbackSite.Settings(plant, dataDirectory);
                return onPorts with
                {
                    Broker = onPorts.Broker with { HoldFlooders = false }, // simulated time waits for every message
                    Time = clock,
                    // A run deleted afterwards keeps its key with it; a kept one (--keep-data) is a site's data directory like
                    // any other, whose pin `ledger verify` and `compliance report` look for in the usual place.
                    LedgerKey = settings.KeepData ? null : LedgerKeyLocations.ForRun(dataDirectory),
                    PlantSource = settings.PlantSource,
                    PlaybooksSource = settings.PlaybooksSource,
                    Response = settings.Playbooks is { } yaml ? PlaybookLoader.Parse(yaml, plant, settings.PlaybooksSource ?? "playbooks.yaml") : ResponsePlan.Empty,
                };
            },
            built => StartAsync(built, clock, cancellationToken));
        await using var running = app;

        var observations = new ConcurrentQueue<Observation>();
        var actions = new ConcurrentQueue<ResponseObservation>();
        var evidence = app.Services.GetRequiredService<EvidenceSink>();
        // What a suppression holds back never reaches an analyst: neither a detection nor a false alarm (counted apart).
        var held = app.Services.GetRequiredService<SuppressionList>();
        evidence.Raised += f =>
        {
            if (settings.Suppressions.Count == 0 || !held.Active.Any(a => a.Suppression.Covers(f, f.Time)))
            {
                observations.Enqueue(new Observation(f.Time, f.DeviceId, f.AssetId, f.SignalId, f.Reason.Name()));
            }
        };
        var incidents = new ConcurrentQueue<IncidentObservation>();
        app.Services.GetRequiredService<CorrelateStage>().IncidentOpened += i => incidents.Enqueue(new IncidentObservation(
            i.Opened, i.Id, i.CampaignId, i.AssetId, i.DeviceId, i.Reasons.Select(r => r.Name()).ToArray(), AttackMapping.Default.For(i.Reasons).Select(t => t.Id).ToArray()));
        if (app.Services.GetService<ResponseEngine>() is { } response)
        {
            response.ActionRecorded += a => actions.Enqueue(new ResponseObservation(a.Time, a.Action, a.Target, a.Outcome.ToString(), a.Playbook));
        }

        var suppressions = Suppress(app, settings.Suppressions, clock.GetUtcNow() + scenario.Duration + TimeSpan.FromDays(1));
        var pace = new SimulatePace(app.Services.GetRequiredService<PipelineMetrics>(), evidence);
        var played = normalOnly ? NormalOnly(scenario) : scenario;
        await using var runner = new ScenarioRunner(played, new ScenarioRunOptions
        {
            Port = hostSettings.Broker.Port,
            Seed = settings.Seed,
            AfterTick = pace.WaitAsync,
        }, clock);
        var run = await runner.RunAsync(cancellationToken);

        // Findings and actions still in flight land before the host stops; the clock stays where the run ended.
        await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        var suppressed = suppressions.Active.Sum(a => a.Hits);
        await app.StopAsync(CancellationToken.None);

        var score = ScenarioScorer.Score(run, observations.ToArray(), actions.ToArray(), normalOnly, incidents.ToArray());
        return SimulateScenarioResult.From(run, score, relations, normalOnly, pace, settings.Seed, settings.KeepData ? dataDirectory : null) with { Suppressed = suppressed };
    }

    /// <summary>
    /// Starts the host; the clock creeps forward meanwhile, for whatever start-up waits on a timer, by as much as the
    /// machine takes. The run then starts at the next whole <see cref="StartAlignment"/> of simulated time, so that the
    /// devices' timestamps, and every time in the report, are the same from one run of a seed to the next.
    /// </summary>
    private static async Task StartAsync(WebApplication app, SimulationClock clock, CancellationToken cancellationToken)
    {
        var starting = app.StartAsync(cancellationToken);
        while (!starting.IsCompleted)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            await Task.WhenAny(starting, Task.Delay(5, CancellationToken.None));
        }

        await starting;
        var elapsed = clock.GetUtcNow() - Epoch;
        clock.Advance(TimeSpan.FromTicks((StartAlignment.Ticks - (elapsed.Ticks % StartAlignment.Ticks)) % StartAlignment.Ticks));
    }

    /// <summary>
    /// Puts <c>--suppress</c>'s suppressions in force as a verdict does (stored, recorded in the ledger as the
    /// <c>simulate</c> actor's, in the correlate stage's list), until <paramref name="expires"/>.
    /// </summary>
    private static SuppressionList Suppress(WebApplication app, IReadOnlyList<SimulatedSuppression> suppressions, DateTimeOffset expires)
    {
        var list = app.Services.GetRequiredService<SuppressionList>();
        var writes = app.Services.GetRequiredService<Access.WriteRecorder>();
        foreach (var s in suppressions)
        {
            var made = writes.Read(store => store.AddSuppression(s.Reason, s.AssetId, s.SignalId, expires, "simulate", $"--suppress {s}", 0));
            writes.Record("simulate", null, "suppress", s.ToString(), $"suppression {made.Id} for the whole run (--suppress {s})");
            list.Add(made);
        }

        return list;
    }

    /// <summary>The scenario's plant and duration with the attack pushed past the end: normal operation only.</summary>
    private static Scenario NormalOnly(Scenario scenario) => scenario with
    {
        Attack = scenario.Attack with { Start = scenario.Duration + TimeSpan.FromHours(1), End = scenario.Duration + TimeSpan.FromHours(2) },
        LaterStages = [],
    };

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary directory left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

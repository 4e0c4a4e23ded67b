using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TwinGuard.Server.Hosting;
using TwinGuard.Simulator.Attacks;
using TwinGuard.Simulator.Running;
using TwinGuard.Simulator.Scoring;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard demo</c>: runs <c>serve</c> on the sample plant and the simulator with its attack campaign on embedded
/// defaults, then says which attacks were detected, how fast, and how many false alarms normal operation raised.
/// </summary>
internal static class DemoCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var duration = new Option<string>("--duration") { Description = "How long to run, e.g. 60s or 5m", DefaultValueFactory = _ => "60s" };
        var seed = new Option<int>("--seed") { Description = "Seed of the plant's noise and of the campaign", DefaultValueFactory = _ => 1 };
        var attacks = new Option<string>("--attacks") { Description = $"all, none, or a comma-separated list of: {string.Join(", ", AttackNames.All)}", DefaultValueFactory = _ => "all" };
        var summary = new Option<FileInfo?>("--summary-json") { Description = "Also write the summary table as JSON to this file" };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "Data directory (default: a new temporary directory)" };
        var config = new Option<FileInfo?>("--config") { Description = "Plant model (default: the sample plant, samples/plant.yaml)" };
        var playbooks = PlaybookCommand.PlaybooksOption();
        var noPlaybooks = new Option<bool>("--no-playbooks") { Description = "Detect only: no playbook contains the attacks" };
        var command = new Command("demo", "Run TwinGuard and the plant simulator with an attack campaign, then score detection and containment")
        {
            duration, seed, attacks, summary, dataDir, config, playbooks, noPlaybooks,
        };
        command.SetAction(async (parse, ct) =>
        {
            var plantPath = parse.GetValue(config)?.FullName ?? SamplePlantPath();
            var plant = ServeCommand.LoadPlant(new FileInfo(plantPath));
            var playbooksPath = parse.GetValue(noPlaybooks) ? null : PlaybookCommand.PlaybooksPath(parse.GetValue(playbooks), new FileInfo(plantPath));
            var options = new DemoOptions(
                DurationText.TryParse(parse.GetValue(duration)!, out var d) && d > TimeSpan.Zero ? d : throw new CommandLineException($"--duration: '{parse.GetValue(duration)}' is not a duration such as 60s or 5m"),
                parse.GetValue(seed),
                ParseAttacks(parse.GetValue(attacks)!),
                parse.GetValue(dataDir)?.FullName ?? Directory.CreateTempSubdirectory("twinguard-demo-").FullName,
                plant)
            {
                PlantSource = plantPath,
                Response = playbooksPath is null ? ResponsePlan.Empty : PlaybookLoader.Load(playbooksPath, plant),
                PlaybooksSource = playbooksPath,
            };
            var result = await RunAsync(options, interactive: true, ct);
            if (parse.GetValue(summary) is { } summaryFile)
            {
                await File.WriteAllTextAsync(summaryFile.FullName, JsonSerializer.Serialize(result, JsonOptions), CancellationToken.None);
            }

            return 0;
        });
        return command;
    }

    /// <summary>Runs the demo and returns its summary; used by the command and by the end-to-end test.</summary>
    public static async Task<DemoSummary> RunAsync(DemoOptions options, bool interactive, CancellationToken cancellationToken)
    {
        // The campaign first: a duration too short for the chosen attacks is the user's error, said before anything starts.
        var campaign = new SimulatorOptions
        {
            Seed = options.Seed,
            Duration = options.Duration,
            Attacks = options.Attacks,
        };
        try
        {
            _ = new SimulatorRunner(campaign); // connects nothing: checks the campaign
        }
        catch (ArgumentException ex)
        {
            var option = ex.ParamName == "duration" ? "--duration" : "--attacks";
            throw new CommandLineException($"{option}: {ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal)}");
        }

        // Started again on new ports when another process took one before serve bound it (parallel test processes do).
        var (app, settings) = await LoopbackSite.StartAsync(
            () => LoopbackSite.Settings(options.Plant, options.DataDirectory) with
            {
                PlantSource = options.PlantSource,
                PlaybooksSource = options.PlaybooksSource,
                Response = options.Response,
            },
            built => built.StartAsync(cancellationToken));
        await using var running = app;
        await using var simulator = new SimulatorRunner(campaign with { Port = settings.Broker.Port });

        var observations = new ConcurrentQueue<Observation>();
        var evidence = app.Services.GetRequiredService<EvidenceSink>();
        evidence.Raised += f => observations.Enqueue(new Observation(f.Time, f.DeviceId, f.AssetId, f.SignalId, f.Reason.Name()));
        var actions = new ConcurrentQueue<ResponseObservation>();
        var engine = app.Services.GetRequiredService<ResponseEngine>();
        engine.ActionRecorded += a => actions.Enqueue(new ResponseObservation(a.Time, a.Action, a.Target, a.Outcome.ToString(), a.Playbook));
        var containing = options.Response.Playbooks.Count > 0;
        var person = new DemoOperator(engine, app.Services.GetRequiredService<Access.WriteRecorder>(), simulator.GroundTruth, settings.Time);

        if (interactive)
        {
            AnsiConsole.MarkupLine($"[bold]TwinGuard demo[/]: site [green]{Markup.Escape(options.Plant.Site.Id)}[/], {options.Duration.TotalSeconds:0} s, seed {options.Seed}, MQTT on 127.0.0.1:{settings.Broker.Port}, API on {Markup.Escape(settings.Urls)}, data in {Markup.Escape(options.DataDirectory)}");
            Access.FirstAdminKey.Announce(app.Services, settings, Console.Out);
            AnsiConsole.MarkupLine(containing
                ? $"playbooks: {options.Response.Playbooks.Count} from {Markup.Escape(options.PlaybooksSource ?? "(given)")}; an operator ({DemoOperator.Name}) releases each containment once its attack is over"
                : "no playbooks: detection only");
            foreach (var attack in simulator.GroundTruth)
            {
                AnsiConsole.MarkupLine($"  planned at {attack.Start.TotalSeconds,5:0.0} s: {Markup.Escape(attack.Describe())}");
            }
        }

        using var stopShowing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var metrics = app.Services.GetRequiredService<PipelineMetrics>();
        var showing = interactive
            ? LiveCounts.ShowUntilAsync(metrics, stopShowing.Token, () => Describe(simulator.Progress))
            : Task.CompletedTask;
        var reviewing = containing
            ? person.RunAsync(() => simulator.StartedAt, () => simulator.Position, stopShowing.Token)
            : Task.CompletedTask;
        SimulatorRunResult run;
        try
        {
            run = await simulator.RunAsync(cancellationToken);
        }
        finally
        {
            await stopShowing.CancelAsync();
            await showing;
            await reviewing;
        }

        // Give findings already in flight (the grace window) a moment to arrive, then stop the pipeline cleanly.
        await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
        await app.StopAsync(CancellationToken.None);

        // What a containment caused (data held back, a cut-off device's signals going stale) is the response's
        // consequence: neither a detection nor a false alarm.
        var consequences = new ContainmentConsequences(actions, new SimulatorOptions().Devices, run.StartedAt + run.RunTime);
        var scorer = new CampaignScorer();
        // Scored against the attacks as they were played: on a loaded machine the simulator's ticks can run late.
        var score = scorer.Score(run.Played, run.StartedAt, run.RunTime, observations.Where(o => !consequences.Caused(o)));
        var containments = run.Played.ToDictionary(a => a, a => scorer.FirstContainment(a, run.StartedAt, actions));
        var summary = DemoSummary.From(options, run, score, containments, person.Releases, observations.Count(consequences.Caused), metrics);
        if (interactive)
        {
            Print(summary);
        }

        return summary;
    }

    private static void Print(DemoSummary summary)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]attacks[/]")
            .AddColumns("attack", "target", "start (s)", "end (s)", "detected", "time to detect", "first finding", "time to contain", "playbook");
        foreach (var a in summary.Attacks)
        {
            table.AddRow(
                Markup.Escape(a.Name),
                Markup.Escape(a.Target),
                a.StartSeconds.ToString("0.0", CultureInfo.InvariantCulture),
                a.EndSeconds.ToString("0.0", CultureInfo.InvariantCulture),
                a.Detected ? "[green]yes[/]" : "[red]NO[/]",
                a.TimeToDetectSeconds is { } t ? $"{t * 1000:0} ms" : "-",
                Markup.Escape(a.FirstReason ?? "-"),
                a.TimeToContainSeconds is { } c ? $"{c * 1000:0} ms" : "-",
                Markup.Escape(a.ContainedByPlaybook ?? "-"));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(
            $"detected [bold]{summary.Detected}/{summary.Attacks.Count}[/]; false alarms: [bold]{summary.FalseAlarms}[/] in {summary.NormalOperationSeconds:0} s of normal operation = [bold]{summary.FalseAlarmsPerHour:0.#} per hour[/]");
        AnsiConsole.MarkupLine(
            $"messages {summary.Messages:N0}, readings accepted {summary.ReadingsAccepted:N0}, refused {summary.Refusals:N0}, findings {summary.Findings:N0}, incidents {summary.Incidents:N0}; arrival to finding p50 {summary.ArrivalToFindingP50Ms:0.000} ms, p99 {summary.ArrivalToFindingP99Ms:0.000} ms");
        if (summary.Playbooks)
        {
            AnsiConsole.MarkupLine(
                $"contained [bold]{summary.Contained}/{summary.Attacks.Count}[/] attacks; {summary.Releases.Count} containments released by {DemoOperator.Name} once their attack was over; {summary.CausedByContainment:N0} findings caused by containment (data held back, cut-off signals stale)");
        }

        if (summary.FalseAlarmReasons.Count > 0)
        {
            AnsiConsole.MarkupLine("false alarms by reason: " + Markup.Escape(string.Join(", ", summary.FalseAlarmReasons.Select(kv => $"{kv.Key} {kv.Value}"))));
        }
    }

    private static string Describe(SimulatorProgress p) =>
        $"simulated {p.Elapsed.TotalSeconds:0}/{p.Duration.TotalSeconds:0} s, published {p.MessagesPublished:N0}"
        + (p.ActiveAttacks.Count > 0 ? ", under attack: " + string.Join(", ", p.ActiveAttacks.Select(a => a.Name)) : string.Empty);

    private static IReadOnlyList<string> ParseAttacks(string spec)
    {
        try
        {
            return AttackNames.Parse(spec);
        }
        catch (FormatException ex)
        {
            throw new CommandLineException($"--attacks: {ex.Message}");
        }
    }


    /// <summary>samples/plant.yaml: beside the executable when published, else in the source tree above it.</summary>
    public static string SamplePlantPath()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "samples", "plant.yaml");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new CommandLineException("samples/plant.yaml not found; pass --config plant.yaml");
    }
}

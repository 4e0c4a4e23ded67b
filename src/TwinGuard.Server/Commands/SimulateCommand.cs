using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TwinGuard.Simulator.Scenarios;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard simulate</c>: runs red-team scenarios headless and faster than real time through the same pipeline as
/// <c>serve</c>, and reports for each whether it was detected, by what, how fast, when a playbook contained it, and
/// the false alarms of its normal part.
/// </summary>
internal static class SimulateCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var scenario = new Option<string[]>("--scenario") { Description = $"Scenario name or .yaml file (repeatable; default all: {string.Join(", ", ScenarioLibrary.Names)})", AllowMultipleArgumentsPerToken = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the plant and the attack", DefaultValueFactory = _ => 1 };
        var runs = new Option<int>("--runs") { Description = "Runs per scenario, with seeds seed, seed+1, ...; medians are over them", DefaultValueFactory = _ => 1 };
        var intensity = new Option<double?>("--intensity") { Description = "Intensity of every attack (default: each file's)" };
        var sweep = new Option<bool>("--sweep") { Description = "Run every intensity each file lists" };
        var normalOnly = new Option<string?>("--normal-only") { Description = "Run normal operation only for this long (e.g. 24h) and count false alarms" };
        var noRelations = new Option<bool>("--no-relations") { Description = "Run without the plant model's relations (the detectors alone)" };
        var compare = new Option<bool>("--compare") { Description = "Also run the within-range scenarios without relations" };
        var config = new Option<FileInfo?>("--config") { Description = "Plant model (default: the sample plant, embedded)" };
        var playbooks = new Option<FileInfo?>("--playbooks") { Description = "Playbooks (default: the sample playbooks, embedded, unless --config is given)" };
        var noPlaybooks = new Option<bool>("--no-playbooks") { Description = "Run without any response" };
        var suppress = new Option<string[]>("--suppress") { Description = "Hold back findings of REASON on ASSET[.SIGNAL] for every run, as a false_positive verdict's suppression would (repeatable): what does it cut, is everything still detected?", AllowMultipleArgumentsPerToken = false };
        var keepData = new Option<bool>("--keep-data") { Description = "Keep each run's data directory (printed on stderr, and as dataDirectory in --json)" };
        var list = new Option<bool>("--list") { Description = "List the scenarios and exit" };
        var dataDir = new Option<DirectoryInfo?>("--data-dir")
        {
            Description = "Record each run as a self-test entry in this site's ledger (compliance evidence: twinguard compliance report)",
        };
        var json = CommonOptions.Json();
        var command = new Command("simulate", "Run attack scenarios against the full pipeline, faster than real time, and score detection and containment")
        {
            scenario, seed, runs, intensity, sweep, normalOnly, noRelations, compare, config, playbooks, noPlaybooks, suppress, keepData, list, json, dataDir,
        };
        command.SetAction(async (parse, ct) =>
        {
            var scenarios = Resolve(parse.GetValue(scenario) ?? []);
            if (parse.GetValue(list))
            {
                PrintList(scenarios, parse.GetValue(json));
                return 0;
            }

            var settings = LoadSettings(parse.GetValue(config), parse.GetValue(playbooks), parse.GetValue(noPlaybooks), parse.GetValue(seed));
            var plan = new SimulatePlan(
                scenarios,
                parse.GetValue(runs) is var n and > 0 ? n : throw new CommandLineException("--runs: expected a whole number greater than 0"),
                parse.GetValue(intensity) is { } x ? (x > 0 && double.IsFinite(x) ? x : throw new CommandLineException($"--intensity: expected a number greater than 0, found {x}")) : null,
                parse.GetValue(sweep),
                ParseNormalOnly(parse.GetValue(normalOnly)),
                !parse.GetValue(noRelations),
                parse.GetValue(compare));
            var interactive = !parse.GetValue(json);
            var suppressions = (parse.GetValue(suppress) ?? []).Select(s => SimulatedSuppression.Parse(s, settings.Plant)).ToArray();
            var summary = await RunAsync(plan, settings with { KeepData = parse.GetValue(keepData), Suppressions = suppressions }, interactive ? Progress : null, ct);
            if (interactive)
            {
                Print(summary);
            }
            else
            {
                Console.WriteLine(JsonSerializer.Serialize(summary, JsonOptions));
            }

            if (parse.GetValue(dataDir) is { } site)
            {
                var recorded = await SelfTestRecorder.RecordAsync(site.FullName, summary.Runs, TimeProvider.System);
                // On stderr, so that --json output stays one document.
                await Console.Error.WriteLineAsync($"{recorded.Count} self-test entries recorded in {Path.Combine(site.FullName, "ledger")} (entries {recorded[0]}..{recorded[^1]})");
            }

            return 0;
        });
        return command;
    }

    /// <summary>Runs a plan; used by the command and by the end-to-end test.</summary>
    /// <remarks>
    /// Runs on the thread pool, away from any caller's synchronization context (a test runner's admits a couple of
    /// threads): every tick awaits the broker and the pipeline, and hopping through such a context made a run many
    /// times slower.
    /// </remarks>
    public static Task<SimulateSummary> RunAsync(
        SimulatePlan plan, SimulateSettings settings, Action<SimulateScenarioResult>? onRun, CancellationToken cancellationToken) =>
        Task.Run(() => RunPlanAsync(plan, settings, onRun, cancellationToken), cancellationToken);

    private static async Task<SimulateSummary> RunPlanAsync(
        SimulatePlan plan, SimulateSettings settings, Action<SimulateScenarioResult>? onRun, CancellationToken cancellationToken)
    {
        var results = new List<SimulateScenarioResult>();
        async Task Run(Scenario s, int seed, bool relations, bool normalOnly)
        {
            var result = await SimulateSession.RunAsync(s, settings with { Seed = seed }, relations, normalOnly, cancellationToken);
            results.Add(result);
            onRun?.Invoke(result);
        }

        if (plan.NormalOnly is { } normal)
        {
            var baseline = plan.Scenarios[0] with { Id = "normal", Duration = normal };
            for (var r = 0; r < plan.Runs; r++)
            {
                await Run(baseline, settings.Seed + r, plan.Relations, normalOnly: true);
            }

            return SimulateSummary.From(results);
        }

        foreach (var scenario in plan.Scenarios)
        {
            var intensities = plan.Intensity is { } x ? [x] : plan.Sweep ? scenario.Attack.Intensities : [scenario.Attack.Intensity];
            foreach (var intensity in intensities)
            {
                var played = scenario.AtIntensity(intensity);
                for (var r = 0; r < plan.Runs; r++)
                {
                    await Run(played, settings.Seed + r, plan.Relations, normalOnly: false);
                    if (plan.Compare && plan.Relations && scenario.Expect.WithinRange)
                    {
                        await Run(played, settings.Seed + r, relations: false, normalOnly: false);
                    }
                }
            }
        }

        return SimulateSummary.From(results);
    }

    /// <summary>The sample plant and playbooks as embedded, written to a temporary directory so each run's ledger records them.</summary>
    public static SimulateSettings SampleSettings(int seed = 1, bool playbooks = true)
    {
        var directory = Directory.CreateTempSubdirectory("twinguard-simulate-config-").FullName;
        var plantPath = Path.Combine(directory, "plant.yaml");
        File.WriteAllText(plantPath, ScenarioLibrary.SamplePlantYaml);
        var playbooksPath = Path.Combine(directory, "playbooks.yaml");
        File.WriteAllText(playbooksPath, ScenarioLibrary.SamplePlaybooksYaml);
        return new SimulateSettings(
            PlantModelLoader.Load(plantPath),
            plantPath,
            playbooks ? ScenarioLibrary.SamplePlaybooksYaml : null,
            playbooks ? playbooksPath : null,
            seed);
    }

    private static SimulateSettings LoadSettings(FileInfo? config, FileInfo? playbooks, bool noPlaybooks, int seed)
    {
        if (config is null)
        {
            var sample = SampleSettings(seed, playbooks: !noPlaybooks && playbooks is null);
            return playbooks is null || noPlaybooks ? sample : sample with { Playbooks = ReadPlaybooks(playbooks), PlaybooksSource = playbooks.FullName };
        }

        var plant = ServeCommand.LoadPlant(config);
        var path = noPlaybooks ? null : PlaybookCommand.PlaybooksPath(playbooks, config);
        return new SimulateSettings(plant, config.FullName, path is null ? null : File.ReadAllText(path), path, seed);
    }

    private static string ReadPlaybooks(FileInfo file) =>
        file.Exists ? File.ReadAllText(file.FullName) : throw new CommandLineException($"playbooks not found: {file.FullName}");

    private static IReadOnlyList<Scenario> Resolve(string[] names)
    {
        if (names.Length == 0 || (names.Length == 1 && names[0] == "all"))
        {
            return ScenarioLibrary.All();
        }

        try
        {
            return names.Select(ScenarioLibrary.Resolve).ToArray();
        }
        catch (ArgumentException ex)
        {
            throw new CommandLineException("--scenario: " + ex.Message.Split(" (Parameter", 2)[0]);
        }
    }

    private static TimeSpan? ParseNormalOnly(string? text) =>
        text is null ? null
        : DurationText.TryParse(text, out var d) && d >= TimeSpan.FromMinutes(1) ? d
        : throw new CommandLineException($"--normal-only: '{text}' is not a duration of at least 1m such as 30m or 24h");

    private static void Progress(SimulateScenarioResult r)
    {
        var what = r.NormalOnly
            ? $"false alarms {r.FalseAlarms} in {r.NormalSeconds / 3600:0.##} h"
            : (r.Detected ? $"[green]detected[/] in {r.TimeToDetectSeconds:0.0} s by {r.FirstReason}" : "[red]NOT detected[/]")
              + (r.TimeToContainSeconds is { } c ? $", contained in {c:0.0} s" : string.Empty);
        if (r.Suppressed > 0)
        {
            what += $"; {r.Suppressed} findings held back by --suppress";
        }

        if (!r.NormalOnly && r.Stages.Count > 1)
        {
            what += "; stages: " + string.Join(" -> ", r.Stages.Select(st =>
                $"{st.Kind} at {st.StartSeconds / 60:0.#} min " + (st.Detected ? $"by {st.FirstReason}" : "[red]missed[/]")
                + (st.IncidentId is { } id ? $" (incident {id}, {string.Join(" ", st.Techniques)})" : " (no incident)")))
                + (r.Incident is { } incident ? $"; [green]one incident[/] ({incident}) holding every stage" : "; [red]not one incident[/]");
        }

        AnsiConsole.MarkupLine(
            $"{Markup.Escape(r.Scenario)} x{r.Intensity.ToString("0.##", CultureInfo.InvariantCulture)} seed {r.Seed}{(r.Relations ? string.Empty : " (no relations)")}: {what} " +
            $"[grey]({r.SimulatedSeconds / 60:0.#} min simulated in {r.RealSeconds:0.0} s, {r.Speedup:0}x)[/]");
    }

    private static void Print(SimulateSummary summary)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]scenarios[/]")
            .AddColumns("scenario", "intensity", "within range", "detected", "median time to detect", "median time to contain", "detected by", "without relations");
        foreach (var s in summary.Scenarios)
        {
            var without = summary.WithoutRelations.FirstOrDefault(w => w.Scenario == s.Scenario && w.Intensity == s.Intensity);
            table.AddRow(
                Markup.Escape(s.Scenario),
                s.Intensity.ToString("0.##", CultureInfo.InvariantCulture),
                s.WithinRange ? "yes" : "no",
                s.Detected == s.Runs ? $"[green]{s.Detected}/{s.Runs}[/]" : $"[red]{s.Detected}/{s.Runs}[/]",
                s.MedianTimeToDetectSeconds is { } d ? $"{d:0.0} s" : "-",
                s.MedianTimeToContainSeconds is { } c ? $"{c:0.0} s" : "-",
                Markup.Escape(string.Join(", ", s.DetectedBy)),
                without is null ? "-" : $"{without.Detected}/{without.Runs}" + (without.DetectedBy.Count > 0 ? " by " + Markup.Escape(string.Join(", ", without.DetectedBy)) : string.Empty));
        }

        if (summary.Scenarios.Count > 0)
        {
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"detected [bold]{summary.Detected}/{summary.Total}[/] scenario runs");
        }

        AnsiConsole.MarkupLine(
            $"false alarms: [bold]{summary.FalseAlarms}[/] in {summary.NormalSeconds / 3600:0.##} h of normal operation = [bold]{summary.FalseAlarmsPerDay:0.#} per simulated day[/]");
        if (summary.PaceTimeouts > 0)
        {
            AnsiConsole.MarkupLine(
                $"[yellow]simulated time moved on {summary.PaceTimeouts} times before the pipeline had caught up (after {SimulatePace.Patience.TotalSeconds:0} s of real time): the figures may be off[/]");
        }

        var reasons = summary.Runs.SelectMany(r => r.FalseAlarmReasons).GroupBy(kv => kv.Key).Select(g => $"{g.Key} {g.Sum(kv => kv.Value)}").ToArray();
        if (reasons.Length > 0)
        {
            AnsiConsole.MarkupLine("false alarms by reason: " + Markup.Escape(string.Join(", ", reasons)));
        }
    }

    private static void PrintList(IReadOnlyList<Scenario> scenarios, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(
                scenarios.Select(s => new
                {
                    s.Id, kind = ScenarioLoader.NameOf(s.Attack.Kind), s.Description, s.Source,
                    intensity = s.Attack.Intensity, intensities = s.Attack.Intensities, withinRange = s.Expect.WithinRange, detectedBy = s.Expect.Reasons,
                }),
                JsonOptions));
            return;
        }

        foreach (var s in scenarios)
        {
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(s.Id)}[/] ({ScenarioLoader.NameOf(s.Attack.Kind)}{(s.Expect.WithinRange ? ", within range" : string.Empty)}): {Markup.Escape(s.Description)}");
        }
    }
}

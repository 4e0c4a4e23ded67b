using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TwinGuard.Intel.Formats.Csv;
using TwinGuard.Simulator.Physics;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Relations;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard calibrate --config plant.yaml (--input FILE.csv | --simulate 1h) [--json]</c>: fits each relation's
/// coefficients to clean recorded data and reports how well the twin tracks the asset (docs/relations.md).
/// </summary>
/// <remarks>
/// The CSV has a header row; the first column is the sample time (epoch milliseconds or RFC 3339), the others are named
/// <c>asset.signal</c>; an empty cell is a signal without a value at that time. <c>--simulate</c> records the built-in
/// simulator's normal operation of the sample plant instead (set-point changes, start-ups, noise).
/// </remarks>
internal static class CalibrateCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "Plant model whose relations to calibrate", Required = true };
        var input = new Option<FileInfo?>("--input") { Description = "Clean recorded data: CSV, time column first, then asset.signal columns" };
        var simulate = new Option<string?>("--simulate") { Description = "Record this much of the built-in simulator's normal operation instead, e.g. 1h (sample plant only)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulated recording", DefaultValueFactory = _ => 1 };
        var json = CommonOptions.Json();
        var command = new Command("calibrate", "Fit the twin relations' coefficients and report residual statistics per relation")
        {
            config, input, simulate, seed, json,
        };
        command.SetAction(parse =>
        {
            var plant = ServeCommand.LoadPlant(parse.GetValue(config)!);
            if (plant.Relations.Count == 0)
            {
                throw new CommandLineException($"{parse.GetValue(config)!.FullName}: the plant model has no relations to calibrate");
            }

            RecordedSeries data;
            if (parse.GetValue(input) is { } file)
            {
                data = ReadCsv(file.FullName);
            }
            else if (parse.GetValue(simulate) is { } text)
            {
                data = DurationText.TryParse(text, out var duration) && duration > TimeSpan.Zero
                    ? Simulate(duration, parse.GetValue(seed))
                    : throw new CommandLineException($"--simulate: '{text}' is not a duration such as 30m or 2h");
            }
            else
            {
                throw new CommandLineException("give --input FILE.csv or --simulate DURATION");
            }

            IReadOnlyList<RelationCalibration> results;
            try
            {
                results = RelationCalibrator.CalibrateAll(plant, data);
            }
            catch (ArgumentException ex)
            {
                throw new CommandLineException(ex.Message.Split(" (Parameter", 2)[0]);
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(results, JsonOptions));
            }
            else
            {
                Print(results, data);
            }

            return 0;
        });
        return command;
    }

    /// <summary>Reads a recording; errors name the file, line and column.</summary>
    /// <exception cref="FormatException">The file is not a recording as described in the remarks.</exception>
    /// <exception cref="InvalidDataException">A record is not well-formed CSV (RFC 4180).</exception>
    public static RecordedSeries ReadCsv(string path)
    {
        if (!File.Exists(path))
        {
            throw new CommandLineException($"{path}: file not found");
        }

        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new FormatException($"{path}:1: empty file; expected a header row: time,asset.signal,...");
        var names = Rfc4180.Split(header, ',', path, 1).Select(n => n.Trim()).ToArray();
        if (names.Length < 2)
        {
            throw new FormatException($"{path}:1: expected a time column and at least one asset.signal column");
        }

        for (var c = 1; c < names.Length; c++)
        {
            if (names[c].Split('.') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                throw new FormatException($"{path}:1: column {c + 1} '{names[c]}': expected asset.signal");
            }
        }

        var times = new List<long>();
        var rows = new List<double[]>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var cells = Rfc4180.Split(line, ',', path, lineNumber);
            if (cells.Count != names.Length)
            {
                throw new FormatException($"{path}:{lineNumber}: {cells.Count} fields, expected {names.Length} as in the header");
            }

            var time = ParseTime(cells[0].Trim()) ?? throw new FormatException($"{path}:{lineNumber}: column 1 '{cells[0]}': expected epoch milliseconds or an RFC 3339 time");
            if (times.Count > 0 && time <= times[^1])
            {
                throw new FormatException($"{path}:{lineNumber}: column 1: time {cells[0]} is not after the previous row's");
            }

            var values = new double[names.Length - 1];
            for (var c = 1; c < names.Length; c++)
            {
                var cell = cells[c].Trim();
                values[c - 1] = cell.Length == 0 ? double.NaN
                    : double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v
                    : throw new FormatException($"{path}:{lineNumber}: column {c + 1} ({names[c]}): '{cell}' is not a finite number");
            }

            times.Add(time);
            rows.Add(values);
        }

        if (rows.Count == 0)
        {
            throw new FormatException($"{path}: no data rows after the header");
        }

        return new RecordedSeries(times, names[1..], rows);
    }

    /// <summary>The built-in simulator's normal operation of the sample plant, one row per sample period.</summary>
    public static RecordedSeries Simulate(TimeSpan duration, int seed)
    {
        var physics = new PlantPhysics(seed);
        var start = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var ticks = (long)(duration / SamplePlant.Period);
        var times = new List<long>((int)ticks);
        var rows = new List<double[]>((int)ticks);
        for (long t = 0; t < ticks; t++)
        {
            physics.Step();
            times.Add(start + ((long)SamplePlant.Period.TotalMilliseconds * t));
            rows.Add(physics.Measurements.ToArray());
        }

        return new RecordedSeries(times, [.. SamplePlant.Signals.Select(s => $"{s.AssetId}.{s.SignalId}")], rows);
    }

    private static long? ParseTime(string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? ms
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) && text.Contains('T', StringComparison.Ordinal) ? t.ToUnixTimeMilliseconds()
        : null;

    private static void Print(IReadOnlyList<RelationCalibration> results, RecordedSeries data)
    {
        var span = TimeSpan.FromMilliseconds(data.TimesMs[^1] - data.TimesMs[0]);
        AnsiConsole.MarkupLine($"calibrated on {data.TimesMs.Count:N0} rows ({span.TotalMinutes:0.#} min)");
        var table = new Table().AddColumns("relation", "coefficients (model → fitted ± s.e.)", "evaluations", "residual mean", "std (noise)", "p99 |r|", "max |r|", "within tolerance", "tolerance", "suggested");
        foreach (var r in results)
        {
            var coefficients = r.Coefficients.Count == 0 ? "-"
                : string.Join("\n", r.Coefficients.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Name}: {c.Initial:G5} → {c.Fitted:G6} ± {c.StandardError:G2}")));
            table.AddRow(
                Markup.Escape(r.RelationId),
                Markup.Escape(coefficients),
                r.Evaluations.ToString("N0", CultureInfo.InvariantCulture),
                G(r.ResidualMean),
                G(r.ResidualStdDev),
                G(r.ResidualP99),
                G(r.ResidualMaxAbs),
                r.WithinTolerance.ToString("P3", CultureInfo.InvariantCulture),
                G(r.Tolerance),
                G(r.SuggestedTolerance));
        }

        AnsiConsole.Write(table);

        static string G(double x) => x.ToString("G3", CultureInfo.InvariantCulture);
    }
}

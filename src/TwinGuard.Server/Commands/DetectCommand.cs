using System.CommandLine;
using System.Globalization;
using TwinGuard.Detection.Pipeline;
using TwinGuard.Server.Offline;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard detect --input FILE.csv (--train FILE.csv | --train-rows N | --online) [--time-column NAME]
/// [--columns a,b | --exclude-columns x,y] [--delimiter C] [--detector NAME] [--seed N] --output FILE.csv</c>.
/// </summary>
/// <remarks>DESIGN.md's command-line contract; the output format is documented in docs/detection.md.</remarks>
internal static class DetectCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "CSV file to score (header row, numeric columns)", Required = true };
        var output = new Option<string>("--output") { Description = "Where to write time,score,is_anomaly,alarm,top_feature", Required = true };
        var train = new Option<string?>("--train") { Description = "Train on this CSV file of normal operation" };
        var trainRows = new Option<int?>("--train-rows") { Description = "Train on the first N rows of the input" };
        var online = new Option<bool>("--online") { Description = "Learn as it goes; never learns from rows it flags" };
        var warmUp = new Option<int>("--warmup")
        {
            Description = "Rows in the online warm-up window (with --online)",
            DefaultValueFactory = _ => 256,
        };
        var timeColumn = new Option<string?>("--time-column") { Description = "Column echoed to the output, not a feature" };
        var columns = new Option<string?>("--columns") { Description = "Comma-separated feature columns (default: all numeric)" };
        var exclude = new Option<string?>("--exclude-columns") { Description = "Comma-separated columns to leave out" };
        var delimiter = new Option<string?>("--delimiter") { Description = "Field separator: ',', ';', 'tab', ... (default: detected)" };
        var detector = new Option<string>("--detector")
        {
            Description = "Detector: " + string.Join(", ", DetectorCatalog.Names),
            DefaultValueFactory = _ => DetectorCatalog.Default,
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the randomised detectors", DefaultValueFactory = _ => 42UL };
        var levelFree = new Option<string?>("--level-free")
        {
            Description = "Comma-separated columns whose level is ignored, instead of inferring drift ('none': no column)",
        };
        var period = new Option<int?>("--period") { Description = "Period in rows for every column instead of inferring it (0: none)" };
        var acceptAfter = new Option<int?>("--accept-after")
        {
            Description = "With --online: accept a new operating point after this many rows flagged in a row (0: never; default 4 warm-ups)",
        };
        var alarmRate = new Option<double?>("--alarm-rate")
        {
            Description = "Target false alarms per 1,000 normal rows: an extreme-value (POT) threshold on the training scores instead of the preset's",
        };
        var json = CommonOptions.Json();
        var command = new Command("detect", "Score every row of a numeric CSV file for anomalies")
        {
            input, output, train, trainRows, online, warmUp, timeColumn, columns, exclude, delimiter, detector, seed, levelFree, period, acceptAfter, alarmRate, json,
        };
        command.SetAction((parse, ct) =>
        {
            var modes = (parse.GetValue(train) is not null ? 1 : 0) + (parse.GetValue(trainRows) is not null ? 1 : 0) +
                        (parse.GetValue(online) ? 1 : 0);
            if (modes != 1)
            {
                throw new CommandLineException("give exactly one of --train FILE, --train-rows N or --online");
            }

            if (parse.GetValue(columns) is not null && parse.GetValue(exclude) is not null)
            {
                throw new CommandLineException("--columns and --exclude-columns cannot be combined");
            }

            if (parse.GetValue(acceptAfter) is < 0)
            {
                throw new CommandLineException("--accept-after must be 0 (never) or a number of rows");
            }

            if (parse.GetValue(online) && parse.GetValue(warmUp) < 2)
            {
                throw new CommandLineException("--warmup must be at least 2");
            }

            var request = new DetectRequest(
                parse.GetValue(input)!,
                parse.GetValue(output)!,
                parse.GetValue(train),
                parse.GetValue(trainRows),
                parse.GetValue(online),
                parse.GetValue(warmUp),
                new CsvColumnSelection(
                    ParseDelimiter(parse.GetValue(delimiter)),
                    parse.GetValue(timeColumn),
                    SplitList(parse.GetValue(columns)),
                    SplitList(parse.GetValue(exclude))),
                parse.GetValue(detector)!,
                parse.GetValue(seed),
                parse.GetValue(levelFree) is "none" ? [] : SplitList(parse.GetValue(levelFree)),
                parse.GetValue(period),
                parse.GetValue(acceptAfter),
                parse.GetValue(alarmRate));
            ct.ThrowIfCancellationRequested();
            var summary = OfflineDetection.Run(request);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(DetectJson.Serialize(summary, request));
            }
            else
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{summary.Rows} rows scored with {request.Detector} (trained on {summary.TrainingRows}; threshold {summary.Threshold}): {summary.Anomalies} anomalous, {summary.Alarms} alarms -> {request.Output}"));
            }

            return Task.FromResult(0);
        });
        return command;
    }

    internal static char? ParseDelimiter(string? text) => text switch
    {
        null => null,
        "tab" or "\\t" or "\t" => '\t',
        { Length: 1 } => text[0],
        _ => throw new CommandLineException($"--delimiter '{text}': give one character, or 'tab'"),
    };

    internal static IReadOnlyList<string>? SplitList(string? text) =>
        text is null ? null : [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
}

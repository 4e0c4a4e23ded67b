using TwinGuard.Intel.Formats.Csv;
using System.Globalization;
using TwinGuard.Detection;
using TwinGuard.Detection.Pipeline;
using TwinGuard.Server.Commands;

namespace TwinGuard.Server.Offline;

/// <summary>
/// <c>twinguard detect</c>'s work: read, train, score every row, write <c>[time,]score,is_anomaly,top_feature</c>.
/// </summary>
/// <remarks>
/// The output is written to a temporary file beside the target and moved into place only when every row has been
/// scored, so a failure never leaves a half-written result that could be mistaken for a complete one.
/// </remarks>
internal static class OfflineDetection
{
    public static DetectSummary Run(DetectRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = CreateOptions(request.Detector, request.Seed);
        var input = NumericCsvReader.Read(request.Input, request.Selection);
        AnomalyVerdict[] verdicts;
        int trainingRows;
        string threshold;
        if (request.TrainFile is { } trainFile)
        {
            var training = NumericCsvReader.Read(trainFile, request.Selection with { Columns = input.ColumnNames, ExcludeColumns = null });
            RequireRows(training.Values.Rows, trainFile, "training");
            var pipeline = AnomalyPipeline.Fit(training.Values, options);
            pipeline.ResetStream();
            verdicts = pipeline.Run(input.Values);
            trainingRows = training.Values.Rows;
            threshold = pipeline.Threshold.Method + " = " + Format(pipeline.Threshold.Value);
        }
        else if (request.Online)
        {
            if (request.WarmUp > input.Values.Rows)
            {
                throw new DetectRequestException(
                    $"{request.Input}: --online needs at least the warm-up of {request.WarmUp} rows, the file has {input.Values.Rows}");
            }

            var online = new OnlineAnomalyDetector(input.Values.Columns, options,
                new OnlineLearningOptions { WarmUp = request.WarmUp, RefitEvery = request.WarmUp, History = Math.Max(2048, request.WarmUp) });
            var all = new List<AnomalyVerdict>(input.Values.Rows);
            for (var i = 0; i < input.Values.Rows; i++)
            {
                all.AddRange(online.Push(input.Values.Row(i)));
            }

            verdicts = [.. all];
            trainingRows = request.WarmUp;
            threshold = online.Pipeline!.Threshold.Method + $" (online, {online.Refits} refits)";
        }
        else
        {
            var n = request.TrainRows ?? throw new DetectRequestException("give one of --train FILE, --train-rows N or --online");
            if (n < 2 || n >= input.Values.Rows)
            {
                throw new DetectRequestException(
                    $"--train-rows {n}: must be at least 2 and less than the {input.Values.Rows} rows of {request.Input}");
            }

            var pipeline = AnomalyPipeline.Fit(input.Values.Slice(0, n), options);
            var rest = pipeline.Run(input.Values.Slice(n, input.Values.Rows - n));
            verdicts = [.. pipeline.TrainingVerdicts, .. rest];
            trainingRows = n;
            threshold = pipeline.Threshold.Method + " = " + Format(pipeline.Threshold.Value);
        }

        Write(request.Output, input, verdicts);
        return new DetectSummary(verdicts.Length, verdicts.Count(v => v.IsAnomaly), trainingRows, threshold);
    }

    public static AnomalyPipelineOptions CreateOptions(string detector, ulong seed)
    {
        try
        {
            return DetectorCatalog.Create(detector, seed);
        }
        catch (ArgumentException ex)
        {
            throw new DetectRequestException($"--detector: {ex.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    private static void RequireRows(int rows, string file, string what)
    {
        if (rows < 2)
        {
            throw new InvalidDataException($"{file}: the {what} data needs at least 2 rows, it has {rows}");
        }
    }

    private static void Write(string path, NumericTable input, IReadOnlyList<AnomalyVerdict> verdicts)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"{path}: directory {directory} does not exist");
        }

        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var writer = new StreamWriter(temporary))
            {
                writer.NewLine = "\n";
                var header = input.Times is null ? "score,is_anomaly,top_feature" : Rfc4180.Quote(TimeHeader(input), ',') + ",score,is_anomaly,top_feature";
                writer.WriteLine(header);
                for (var i = 0; i < verdicts.Count; i++)
                {
                    var v = verdicts[i];
                    if (input.Times is not null)
                    {
                        writer.Write(Rfc4180.Quote(input.Times[i], ','));
                        writer.Write(',');
                    }

                    writer.Write(Format(v.Score));
                    writer.Write(v.IsAnomaly ? ",1," : ",0,");
                    writer.WriteLine(Rfc4180.Quote(input.ColumnNames[v.TopColumn], ','));
                }
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private static string TimeHeader(NumericTable input) => input.TimeColumnName ?? "time";

    private static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}

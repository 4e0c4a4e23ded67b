using System.Globalization;
using TwinGuard.Detection;
using TwinGuard.Detection.Pipeline;
using TwinGuard.Detection.Profiling;
using TwinGuard.Intel.Formats.Csv;

namespace TwinGuard.Server.Offline;

/// <summary>
/// <c>twinguard detect</c>'s work: read, train, score every row, write <c>[time,]score,is_anomaly,alarm,top_feature</c>.
/// </summary>
/// <remarks>
/// The output is written to a temporary file beside the target and moved into place only when every row has been
/// scored, so a failure never leaves a half-written result that could be mistaken for a complete one.
/// </remarks>
internal static class OfflineDetection
{
    private const string Columns = "score,is_anomaly,alarm,top_feature";

    public static DetectSummary Run(DetectRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var input = NumericCsvReader.Read(request.Input, request.Selection);
        FeatureMatrix? training = null;
        if (request.TrainFile is { } trainFile)
        {
            training = NumericCsvReader.Read(trainFile, request.Selection with { Columns = input.ColumnNames, ExcludeColumns = null }).Values;
            RequireRows(training.Rows, trainFile, "training");
        }

        var result = Score(input.Values, input.ColumnNames, request, training);
        Write(request.Output, input, result.Verdicts);
        return new DetectSummary(result.Verdicts.Count, result.Verdicts.Count(v => v.IsAnomaly), result.TrainingRows,
            result.Threshold)
        {
            Alarms = result.Verdicts.Count(v => v.Alarm),
            Columns = input.ColumnNames,
            Profiles = result.Profiles,
            Episodes = AnomalyEpisode.From(result.Verdicts),
            Times = input.Times,
            Decisions = result.Decisions,
        };
    }

    /// <summary>
    /// What <c>twinguard detect</c> computes for <paramref name="values"/>, whatever the source of the rows: the
    /// benchmark evaluations call this with the same request a user would give, so they measure the product itself.
    /// </summary>
    /// <param name="values">The input rows, in time order.</param>
    /// <param name="columns">Their column names (for --level-free and for messages).</param>
    /// <param name="request">The mode (--train, --train-rows, --online), detector, seed and overrides.</param>
    /// <param name="training">The rows of --train FILE, when that mode is used.</param>
    public static DetectResult Score(FeatureMatrix values, IReadOnlyList<string> columns, DetectRequest request, FeatureMatrix? training)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(request);
        var options = WithAlarmRate(CreateOptions(request.Detector, request.Seed, Profiling(columns, request)), request.AlarmRate);
        if (request.Without is { Count: > 0 } without)
        {
            options = PipelinePieces.Apply(options, without);
        }

        if (training is not null)
        {
            var pipeline = AnomalyPipeline.Fit(training, options);
            pipeline.ResetStream();
            return new DetectResult(pipeline.Run(values), training.Rows, pipeline.Threshold.Method + " = " + Format(pipeline.Threshold.Value),
                pipeline.Profiles, []);
        }

        if (request.Online)
        {
            if (request.WarmUp > values.Rows)
            {
                throw new DetectRequestException(
                    $"{request.Input}: --online needs at least the warm-up of {request.WarmUp} rows, the file has {values.Rows}");
            }

            var online = new OnlineAnomalyDetector(values.Columns, options,
                new OnlineLearningOptions
                {
                    WarmUp = request.WarmUp,
                    RefitEvery = request.WarmUp,
                    History = Math.Max(2048, request.WarmUp),
                    AcceptAfter = request.AcceptAfterRows,
                });
            var all = new List<AnomalyVerdict>(values.Rows);
            for (var i = 0; i < values.Rows; i++)
            {
                all.AddRange(online.Push(values.Row(i)));
            }

            return new DetectResult(all, request.WarmUp, online.Pipeline!.Threshold.Method + $" (online, {online.Refits} refits)",
                online.Pipeline.Profiles, online.Decisions);
        }

        var n = request.TrainRows ?? throw new DetectRequestException("give one of --train FILE, --train-rows N or --online");
        if (n < 2 || n >= values.Rows)
        {
            throw new DetectRequestException(
                $"--train-rows {n}: must be at least 2 and less than the {values.Rows} rows of {request.Input}");
        }

        var fitted = AnomalyPipeline.Fit(values.Slice(0, n), options);
        var rest = fitted.Run(values.Slice(n, values.Rows - n));
        return new DetectResult([.. fitted.TrainingVerdicts, .. rest], n, fitted.Threshold.Method + " = " + Format(fitted.Threshold.Value),
            fitted.Profiles, []);
    }

    private static ColumnProfilerOptions Profiling(IReadOnlyList<string> columns, DetectRequest request)
    {
        int[]? levelFree = null;
        if (request.LevelFree is { } names)
        {
            levelFree = [.. names.Select(name => IndexOf(columns, name) is var at and >= 0
                ? at
                : throw new DetectRequestException($"--level-free: column '{name}' is not a feature column; they are: {string.Join(", ", columns)}"))];
        }

        if (request.Period is < 0)
        {
            throw new DetectRequestException($"--period {request.Period}: give a number of rows, 0 for none");
        }

        return new ColumnProfilerOptions { LevelFreeColumns = levelFree, Period = request.Period };
    }

    /// <summary>
    /// <c>--alarm-rate R</c>: the threshold is the score a peaks-over-threshold fit (a generalised Pareto tail, Siffer et
    /// al. 2017) of the training scores exceeds with probability R / 1,000, instead of the preset's quantile and margin.
    /// Every alarm starts on a row above the threshold, so R bounds the false alarms per 1,000 normal rows from above
    /// (smoothing and the refractory period only remove alarms), as far as the training rows are like the rows scored.
    /// </summary>
    private static AnomalyPipelineOptions WithAlarmRate(AnomalyPipelineOptions options, double? alarmRate)
    {
        if (alarmRate is not { } rate)
        {
            return options;
        }

        if (!double.IsFinite(rate) || rate <= 0 || rate >= 1000)
        {
            throw new DetectRequestException(
                FormattableString.Invariant($"--alarm-rate {rate}: give false alarms per 1,000 rows, above 0 and below 1,000"));
        }

        return options with
        {
            Threshold = options.Threshold with { PeaksOverThreshold = true, Risk = rate / 1000, Multiplier = 1 },
        };
    }

    public static AnomalyPipelineOptions CreateOptions(string detector, ulong seed, ColumnProfilerOptions? profiling = null)
    {
        try
        {
            return DetectorCatalog.Create(detector, seed, profiling);
        }
        catch (ArgumentException ex)
        {
            throw new DetectRequestException($"--detector: {ex.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
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
                var header = input.Times is null ? Columns : Rfc4180.Quote(TimeHeader(input), ',') + "," + Columns;
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
                    writer.Write(v.Alarm ? "1," : "0,");
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

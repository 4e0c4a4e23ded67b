using System.Globalization;
using System.Text;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Offline;

namespace TwinGuard.Server.Tests.Offline;

[Collection(ConsoleCollection.Name)]
public sealed class DetectCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Signal(int rows, int spikeAt = -1)
    {
        var text = new StringBuilder("time,pressure,flow,temp\n");
        var random = new Random(1);
        for (var i = 0; i < rows; i++)
        {
            var p = 5 + (0.1 * random.NextDouble());
            var f = (0.8 * p) + (0.01 * random.NextDouble());
            var t = 60 + random.NextDouble();
            if (i >= spikeAt && spikeAt >= 0 && i < spikeAt + 40)
            {
                f += 3; // the physics breaks: flow no longer follows pressure
            }

            text.Append(CultureInfo.InvariantCulture, $"2026-01-01T00:{i / 60:00}:{i % 60:00},{p},{f},{t}\n");
        }

        return text.ToString();
    }

    private DetectRequest Request(string input, int? trainRows = 200, string? train = null, bool online = false,
        CsvColumnSelection? selection = null, string detector = "pca") => new(
        input, _dir.PathOf("out.csv"), train, trainRows, online, 100,
        selection ?? new CsvColumnSelection(TimeColumn: "time"), detector, 42);

    [Fact]
    public void Run_TrainRows_WritesOneScoredRowPerInputRow()
    {
        var input = _dir.File("in.csv", Signal(600, spikeAt: 400));
        var summary = OfflineDetection.Run(Request(input));
        var lines = File.ReadAllLines(_dir.PathOf("out.csv"));

        Assert.Equal("time,score,is_anomaly,alarm,top_feature", lines[0]);
        Assert.Equal(601, lines.Length);
        Assert.Equal(600, summary.Rows);
        var flagged = lines.Skip(1).Select(l => l.Split(',')).Where(f => f[2] == "1").ToList();
        Assert.NotEmpty(flagged);
        Assert.All(flagged, f => Assert.InRange(int.Parse(f[0][^2..], CultureInfo.InvariantCulture) + (60 * int.Parse(f[0][^5..^3], CultureInfo.InvariantCulture)), 400, 470));
        Assert.Equal("flow", flagged.GroupBy(f => f[4]).OrderByDescending(g => g.Count()).First().Key);
        Assert.All(lines.Skip(1), l => Assert.InRange(double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture), 0, 1));
    }

    [Theory]
    [InlineData("iforest")]
    [InlineData("autoencoder")]
    [InlineData("ensemble")]
    [InlineData("tcn")]
    [InlineData("pca-tcn")]
    public void Run_EveryDetector_ScoresEveryRow(string detector)
    {
        var input = _dir.File("in.csv", Signal(500, spikeAt: 350));
        var summary = OfflineDetection.Run(Request(input, detector: detector));

        Assert.Equal(500, summary.Rows);
        Assert.Equal(501, File.ReadAllLines(_dir.PathOf("out.csv")).Length);
    }

    [Fact]
    public void Run_SeparateTrainingFile_UsesIt()
    {
        var train = _dir.File("train.csv", Signal(300));
        var input = _dir.File("in.csv", Signal(200, spikeAt: 100));
        var summary = OfflineDetection.Run(Request(input, trainRows: null, train: train));

        Assert.Equal(200, summary.Rows);
        Assert.Equal(300, summary.TrainingRows);
        Assert.True(summary.Anomalies > 0);
    }

    [Fact]
    public void Run_Online_NeverLearnsTheAnomaly()
    {
        var input = _dir.File("in.csv", Signal(900, spikeAt: 500));
        var summary = OfflineDetection.Run(Request(input, trainRows: null, online: true));
        var flags = File.ReadAllLines(_dir.PathOf("out.csv")).Skip(1).Select(l => l.Split(',')[2] == "1").ToArray();

        Assert.Equal(900, summary.Rows);
        // The spike lasts 40 rows; if the model had learned from it, the end of the spike would no longer be flagged.
        Assert.True(flags[505..535].Count(f => f) >= 25, $"{flags[505..535].Count(f => f)} of 30 spike rows flagged");
    }

    [Fact]
    public void Run_MissingColumn_SaysWhichAndWhere()
    {
        var input = _dir.File("in.csv", Signal(50));
        var ex = Assert.Throws<InvalidDataException>(() => OfflineDetection.Run(
            Request(input, selection: new CsvColumnSelection(TimeColumn: "time", Columns: ["pressure", "level"]))));

        Assert.Contains("in.csv:1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'level' not found", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.PathOf("out.csv")));
    }

    [Fact]
    public void Run_NonNumericCell_SaysFileLineAndColumn()
    {
        var lines = Signal(50).Split('\n');
        lines[7] = lines[7].Replace(",60.", ",sixty", StringComparison.Ordinal);
        var input = _dir.File("in.csv", string.Join('\n', lines));
        var ex = Assert.Throws<FormatException>(() => OfflineDetection.Run(Request(input, trainRows: 20)));

        Assert.Contains("in.csv:8", ex.Message, StringComparison.Ordinal);
        Assert.Contains("column 'temp'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a number", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.PathOf("out.csv")));
    }

    [Fact]
    public void Run_EmptyFile_SaysItIsEmpty()
    {
        var input = _dir.File("in.csv", string.Empty);
        var ex = Assert.Throws<InvalidDataException>(() => OfflineDetection.Run(Request(input)));

        Assert.Contains("in.csv", ex.Message, StringComparison.Ordinal);
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_HeaderOnly_SaysThereAreNoRows()
    {
        var input = _dir.File("in.csv", "time,a,b\n");
        var ex = Assert.Throws<InvalidDataException>(() => OfflineDetection.Run(Request(input)));

        Assert.Contains("no data rows", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ShortRow_SaysFieldCountAndLine()
    {
        var input = _dir.File("in.csv", "time,a,b\nt1,1,2\nt2,3\n");
        var ex = Assert.Throws<InvalidDataException>(() => OfflineDetection.Run(Request(input, trainRows: 1)));

        Assert.Contains("in.csv:3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2 fields", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SemicolonFile_DetectsDelimiter()
    {
        var input = _dir.File("in.csv", Signal(300).Replace(',', ';'));
        var summary = OfflineDetection.Run(Request(input));

        Assert.Equal(300, summary.Rows);
    }

    [Fact]
    public void Run_TrainRowsNotBelowRowCount_IsAnError()
    {
        var input = _dir.File("in.csv", Signal(50));

        Assert.Throws<DetectRequestException>(() => OfflineDetection.Run(Request(input, trainRows: 50)));
    }

    [Fact]
    public async Task RunAsync_BadInput_ExitsWithUsageError()
    {
        var input = _dir.File("in.csv", "a,b\n1,x\n");
        var code = await TwinGuardCli.RunAsync(["detect", "--input", input, "--train-rows", "1", "--output", _dir.PathOf("o.csv")]);

        Assert.Equal(TwinGuardCli.UsageError, code);
    }

    [Fact]
    public async Task RunAsync_TwoTrainingModes_ExitsWithUsageError()
    {
        var input = _dir.File("in.csv", Signal(50));
        var code = await TwinGuardCli.RunAsync(["detect", "--input", input, "--train-rows", "10", "--online", "--output", _dir.PathOf("o.csv")]);

        Assert.Equal(TwinGuardCli.UsageError, code);
    }

    [Fact]
    public async Task RunAsync_ValidInput_Succeeds()
    {
        var input = _dir.File("in.csv", Signal(300));
        var code = await TwinGuardCli.RunAsync(["detect", "--input", input, "--train-rows", "200", "--time-column", "time",
            "--exclude-columns", "temp", "--detector", "iforest", "--seed", "3", "--output", _dir.PathOf("o.csv")]);

        Assert.Equal(0, code);
        Assert.Equal(301, File.ReadAllLines(_dir.PathOf("o.csv")).Length);
    }

    [Fact]
    public async Task RunAsync_Json_ReportsColumnBehaviourEpisodesAndAlarms()
    {
        var input = _dir.File("in.csv", Signal(600, spikeAt: 400));
        var stdout = new StringWriter();
        var original = Console.Out;
        Console.SetOut(stdout);
        int code;
        try
        {
            code = await TwinGuardCli.RunAsync(["detect", "--input", input, "--train-rows", "200", "--time-column", "time",
                "--output", _dir.PathOf("o.csv"), "--json"]);
        }
        finally
        {
            Console.SetOut(original);
        }

        Assert.Equal(0, code);
        using var json = System.Text.Json.JsonDocument.Parse(stdout.ToString());
        var root = json.RootElement;
        var columns = root.GetProperty("columns").EnumerateArray().ToList();
        Assert.Equal(["pressure", "flow", "temp"], columns.Select(c => c.GetProperty("name").GetString()));
        Assert.All(columns, c => Assert.Equal("continuous", c.GetProperty("kind").GetString()));
        var episode = Assert.Single(root.GetProperty("episodes").EnumerateArray());
        Assert.InRange(episode.GetProperty("start_row").GetInt32(), 400, 415);
        Assert.True(episode.GetProperty("alarm").GetBoolean());
        Assert.Equal("flow", episode.GetProperty("top_features")[0].GetString());
        var alarmRows = File.ReadAllLines(_dir.PathOf("o.csv")).Skip(1).Select((l, i) => (l.Split(',')[3], i)).Where(a => a.Item1 == "1").ToList();
        Assert.Equal(1, root.GetProperty("alarms").GetInt32());
        // The onset alarm comes on the first changed row or a few rows before the smoothed flag, never after it.
        Assert.InRange(Assert.Single(alarmRows).i, 400, episode.GetProperty("start_row").GetInt32());
    }

    [Fact]
    public void Run_LevelFreeOverride_IsReportedAndUnknownColumnsRefused()
    {
        var input = _dir.File("in.csv", Signal(300));

        var summary = OfflineDetection.Run(Request(input) with { LevelFree = ["temp"], Period = 0 });
        Assert.True(summary.Profiles[2].LevelFree);
        Assert.False(summary.Profiles[0].LevelFree);
        Assert.All(summary.Profiles, p => Assert.True(p.Overridden));

        var ex = Assert.Throws<DetectRequestException>(() => OfflineDetection.Run(Request(input) with { LevelFree = ["nope"] }));
        Assert.Contains("'nope'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_AlarmRate_SetsAnExtremeValueThresholdThatFallsAsTheRateRises()
    {
        var input = _dir.File("in.csv", Signal(600, spikeAt: 400));

        var strict = OfflineDetection.Run(Request(input) with { AlarmRate = 0.1 });
        var loose = OfflineDetection.Run(Request(input) with { AlarmRate = 20 });
        Assert.StartsWith("POT risk 0.0001 x1 = ", strict.Threshold, StringComparison.Ordinal);
        Assert.StartsWith("POT risk 0.02 x1 = ", loose.Threshold, StringComparison.Ordinal);
        static double Value(string threshold) => double.Parse(threshold.Split(" = ")[1], CultureInfo.InvariantCulture);
        Assert.True(Value(strict.Threshold) > Value(loose.Threshold), $"{strict.Threshold} vs {loose.Threshold}");
        Assert.True(loose.Anomalies >= strict.Anomalies);

        var ex = Assert.Throws<DetectRequestException>(() => OfflineDetection.Run(Request(input) with { AlarmRate = 0 }));
        Assert.Contains("--alarm-rate", ex.Message, StringComparison.Ordinal);
    }
}

using System.Globalization;
using TwinGuard.Server.Commands;
using TwinGuard.Detection.Pipeline;
using TwinGuard.Server.Offline;

namespace TwinGuard.Server.Tests.Offline;

/// <summary><c>evaluate skab</c> measures exactly what <c>detect</c> writes with its defaults, row by row.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class SkabThroughDetectTests : IDisposable
{
    private static readonly string Data = SkabDataset.DataFolder(SkabLocation.Find());
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Evaluate_EveryFile_MatchesDetectsOutputRowByRow()
    {
        var fromCli = PointMetrics.Zero;
        var experiments = new List<SkabExperiment>();
        foreach (var name in SkabDataset.Experiments)
        {
            var experiment = SkabDataset.Load(Data, name);
            experiments.Add(experiment);
            var output = _dir.PathOf(name.Replace('/', '_') + ".csv");
            var original = Console.Out;
            Console.SetOut(TextWriter.Null);
            int code;
            try
            {
                code = await TwinGuardCli.RunAsync(["detect", "--input", Path.Combine(Data, name + ".csv"), "--train-rows", "400",
                    "--time-column", "datetime", "--exclude-columns", "anomaly,changepoint", "--output", output]);
            }
            finally
            {
                Console.SetOut(original);
            }

            Assert.Equal(0, code);
            var rows = File.ReadAllLines(output).Skip(1).Select(l => l.Split(',')).ToList();
            var verdicts = SkabEvaluator.Detect(experiment, DetectorCatalog.Default);
            Assert.Equal(verdicts.Count, rows.Count);
            for (var i = 0; i < rows.Count; i++)
            {
                Assert.Equal(verdicts[i].Score.ToString("0.######", CultureInfo.InvariantCulture), rows[i][1]);
                Assert.Equal(verdicts[i].IsAnomaly ? "1" : "0", rows[i][2]);
                Assert.Equal(verdicts[i].Alarm ? "1" : "0", rows[i][3]);
            }

            fromCli = fromCli.Add(PointMetrics.Count(experiment.Anomaly.AsSpan(SkabEvaluator.TrainingRows),
                [.. rows.Skip(SkabEvaluator.TrainingRows).Select(r => r[2] == "1")]));
        }

        Assert.Equal(fromCli, SkabEvaluator.Evaluate(DetectorCatalog.Default, experiments).Points);
    }
}

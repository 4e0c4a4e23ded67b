using TwinGuard.Detection.Pipeline;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Offline;

namespace TwinGuard.Server.Tests.Offline;

[Collection(ConsoleCollection.Name)]
public sealed class PipelinePiecesTests
{
    private static readonly AnomalyPipelineOptions Defaults = DetectorCatalog.Create(DetectorCatalog.Default);

    [Fact]
    public void Apply_EachPiece_SwitchesOffThatPieceAndLeavesTheOthers()
    {
        Assert.NotNull(Defaults.Likelihood);
        Assert.NotNull(Defaults.Companion);
        Assert.NotNull(Defaults.RangeTolerance);
        Assert.NotNull(Defaults.RecurrenceTolerance);
        Assert.NotNull(Defaults.EpisodeEnd);
        Assert.Equal(DetectorCatalog.AlarmHistoryRows, Defaults.Likelihood!.LongWindow);

        var companion = PipelinePieces.Apply(Defaults, [PipelinePieces.Companion]);
        Assert.Null(companion.Companion);
        Assert.Equal(Defaults with { Companion = null }, companion);

        Assert.Equal(Defaults with { RangeTolerance = null }, PipelinePieces.Apply(Defaults, [PipelinePieces.RangeWatch]));
        Assert.Equal(Defaults with { RecurrenceTolerance = null }, PipelinePieces.Apply(Defaults, [PipelinePieces.RecurringOnsets]));
        Assert.Equal(Defaults with { EpisodeEnd = null }, PipelinePieces.Apply(Defaults, [PipelinePieces.EpisodeEnd]));
        Assert.Equal(8640, PipelinePieces.Apply(Defaults, [PipelinePieces.ShortHistory]).Likelihood!.LongWindow);

        var onsets = PipelinePieces.Apply(Defaults, [PipelinePieces.OnsetAlarms]);
        Assert.Null(onsets.Likelihood);
        Assert.Null(onsets.Companion);
        Assert.Equal(Defaults.EpisodeEnd, onsets.EpisodeEnd);
    }

    [Fact]
    public void Apply_ColumnBehaviour_AsksForNoLevelFreeColumnsAndNoPeriod()
    {
        var request = SkabEvaluator.Request("f.csv", DetectorCatalog.Default);

        var without = PipelinePieces.Apply(request, [PipelinePieces.ColumnBehaviour]);

        Assert.Null(request.LevelFree);
        Assert.Null(request.Period);
        Assert.Empty(without.LevelFree!);
        Assert.Equal(0, without.Period);
        Assert.Equal(request, without with { LevelFree = null, Period = null, Without = null });
    }

    [Fact]
    public void Parse_UnknownPiece_IsAnErrorNamingTheKnownOnes()
    {
        var error = Assert.Throws<DetectRequestException>(() => PipelinePieces.Parse(["companion", "sequence"]));

        Assert.Contains("'sequence'", error.Message, StringComparison.Ordinal);
        Assert.Contains(PipelinePieces.RecurringOnsets, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EvaluateNabWithoutAnUnknownPiece_ExitsWithUsageError()
    {
        var code = await TwinGuardCli.RunAsync(["evaluate", "nab", "--data", NabLocation.Find(), "--without", "nonsense"]);

        Assert.Equal(TwinGuardCli.UsageError, code);
    }

    [Fact]
    public void Evaluate_Groups_PartitionTheFilesByCategoryAndByHalf()
    {
        var corpus = NabDataset.Load(NabLocation.Find());
        var few = corpus.Where(s => s.Name.StartsWith("artificial", StringComparison.Ordinal))
            .GroupBy(s => s.Name.Split('/')[0]).SelectMany(g => g.Take(2)).ToList();
        Assert.Equal(2, few.Select(s => s.Name.Split('/')[0]).Distinct().Count());

        var result = NabEvaluator.Evaluate(DetectorCatalog.Default, few, variant: EvaluationVariant.From([PipelinePieces.Companion], null));

        Assert.EndsWith("--without companion", result.Detector, StringComparison.Ordinal);
        var categories = result.Groups.Where(g => !g.Detector.StartsWith("half", StringComparison.Ordinal)).ToList();
        var halves = result.Groups.Where(g => g.Detector.StartsWith("half", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, categories.Count);
        Assert.Equal(2, halves.Count);
        Assert.True(result.Windows > 0);
        Assert.Equal(result.Windows, categories.Single(g => g.Detector == "artificialWithAnomaly").Windows);
        Assert.Equal(0, categories.Single(g => g.Detector == "artificialNoAnomaly").Windows);
        foreach (var partition in new[] { categories, halves })
        {
            Assert.Equal(result.Windows, partition.Sum(g => g.Windows));
            Assert.Equal(result.Detected, partition.Sum(g => g.Detected));
            Assert.Equal(result.FalseAlarms, partition.Sum(g => g.FalseAlarms));
        }
    }
}

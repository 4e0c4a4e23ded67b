using System.Text.Json;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Offline;

namespace TwinGuard.Server.Tests.Offline;

[Collection(ConsoleCollection.Name)]
public sealed class EvaluateNabCommandTests
{
    [Fact]
    public void Load_DevelopmentCorpus_Has51FilesAnd97WindowsInsideTheirFiles()
    {
        var corpus = NabDataset.Load(NabLocation.Find());

        Assert.Equal(51, corpus.Count);
        Assert.Equal(97, corpus.Sum(s => s.Windows.Count));
        Assert.All(corpus, s => Assert.All(s.Windows, w => Assert.InRange(w.End, w.Start, s.Values.Rows - 1)));
    }

    [Fact]
    public async Task RunAsync_Json_ScoresTheAlarmColumnBesideThePublishedDetectors()
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        int code;
        try
        {
            code = await TwinGuardCli.RunAsync(["evaluate", "nab", "--data", NabLocation.Find(), "--flagged-rows", "--json"]);
        }
        finally
        {
            Console.SetOut(original);
        }

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output.ToString());
        var root = json.RootElement;
        Assert.Equal(97, root.GetProperty("windows").GetInt32());
        var alarms = root.GetProperty("detectors")[0];
        var flagged = root.GetProperty("detectors")[1];
        // One alarm per episode is what NAB rewards: scoring every flagged row costs a false positive per row.
        Assert.True(alarms.GetProperty("standard").GetDouble() > flagged.GetProperty("standard").GetDouble());
        Assert.True(alarms.GetProperty("false_alarms").GetInt32() < flagged.GetProperty("false_alarms").GetInt32());
        Assert.InRange(alarms.GetProperty("standard").GetDouble(), 0, 100);
        Assert.Contains(root.GetProperty("published").EnumerateArray(), p => p.GetProperty("name").GetString() == "Numenta HTM");
    }
}

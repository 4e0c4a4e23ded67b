using System.Text.Json;
using TwinGuard.Server.Commands;

namespace TwinGuard.Server.Tests.Offline;

[Collection(ConsoleCollection.Name)]
public sealed class EvaluateCommandTests
{
    [Fact]
    public async Task RunAsync_FewFilesJson_PrintsOurRowsBesideThePublishedOnes()
    {
        var (code, output) = await RunCapturedAsync("--detector", "pca", "--files", "valve1/2,valve2/0,other/9", "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("files").GetArrayLength());
        var ours = root.GetProperty("detectors")[0];
        Assert.Equal("pca", ours.GetProperty("name").GetString());
        Assert.InRange(ours.GetProperty("f1").GetDouble(), 0.0, 1.0);
        Assert.True(ours.TryGetProperty("change_points_plain_edges", out _));
        Assert.True(ours.TryGetProperty("change_points_rolling30_edges", out _));
        var perFile = ours.GetProperty("per_file").EnumerateArray().ToList();
        Assert.Equal(["valve1/2", "valve2/0", "other/9"], perFile.Select(f => f.GetProperty("file").GetString()));
        Assert.Equal(ours.GetProperty("tp").GetInt64(), perFile.Sum(f => f.GetProperty("tp").GetInt64()));
        Assert.Equal(ours.GetProperty("fp").GetInt64(), perFile.Sum(f => f.GetProperty("fp").GetInt64()));
        Assert.Contains(root.GetProperty("published").EnumerateArray(), p => p.GetProperty("name").GetString() == "Conv-AE");
    }

    [Fact]
    public async Task RunAsync_PerFile_PrintsARowPerFileAndTheTotal()
    {
        var (code, output) = await RunCapturedAsync("--detector", "pca", "--files", "valve1/3,other/3", "--per-file");

        Assert.Equal(0, code);
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("Per file: TwinGuard pca", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("valve1/3 ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("other/3 ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("all ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_UnknownFile_ExitsWithUsageError()
    {
        var code = await TwinGuardCli.RunAsync(["evaluate", "skab", "--data", SkabLocation.Find(), "--files", "valve9/1"]);

        Assert.Equal(TwinGuardCli.UsageError, code);
    }

    [Fact]
    public async Task RunAsync_NotASkabFolder_ExitsWithUsageError()
    {
        var code = await TwinGuardCli.RunAsync(["evaluate", "skab", "--data", Path.GetTempPath()]);

        Assert.Equal(TwinGuardCli.UsageError, code);
    }

    /// <summary>Runs <c>twinguard evaluate skab --data SKAB ARGS</c> and returns its exit code and standard output.</summary>
    private static async Task<(int Code, string Output)> RunCapturedAsync(params string[] args)
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            var code = await TwinGuardCli.RunAsync(["evaluate", "skab", "--data", SkabLocation.Find(), .. args]);
            return (code, output.ToString());
        }
        finally
        {
            Console.SetOut(original);
        }
    }
}

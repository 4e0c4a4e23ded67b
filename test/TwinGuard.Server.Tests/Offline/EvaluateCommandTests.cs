using System.Text.Json;
using TwinGuard.Server.Commands;

namespace TwinGuard.Server.Tests.Offline;

[Collection(ConsoleCollection.Name)]
public sealed class EvaluateCommandTests
{
    [Fact]
    public async Task RunAsync_FewFilesJson_PrintsOurRowsBesideThePublishedOnes()
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        int code;
        try
        {
            code = await TwinGuardCli.RunAsync(["evaluate", "skab", "--data", SkabLocation.Find(), "--detector", "pca",
                "--files", "valve1/2,valve2/0,other/9", "--json"]);
        }
        finally
        {
            Console.SetOut(original);
        }

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output.ToString());
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("files").GetArrayLength());
        var ours = root.GetProperty("detectors")[0];
        Assert.Equal("pca", ours.GetProperty("name").GetString());
        Assert.InRange(ours.GetProperty("f1").GetDouble(), 0.0, 1.0);
        Assert.True(ours.TryGetProperty("change_points_plain_edges", out _));
        Assert.True(ours.TryGetProperty("change_points_rolling30_edges", out _));
        Assert.Contains(root.GetProperty("published").EnumerateArray(), p => p.GetProperty("name").GetString() == "Conv-AE");
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
}

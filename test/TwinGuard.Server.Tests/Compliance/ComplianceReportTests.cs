using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TwinGuard.Server.Commands;

namespace TwinGuard.Server.Tests.Compliance;

/// <summary>
/// <c>twinguard compliance report</c> and <c>verify</c> on the ledger of a real simulate run: the run is SR 3.3
/// evidence, every cited entry is proven, the independent Python verifier agrees, and one changed byte fails.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ComplianceReportTests(SimulatedSite site) : IClassFixture<SimulatedSite>
{
    [Fact]
    public async Task Report_AfterSimulateRun_ListsTheRunAsSr33EvidenceAndCitesProvenEntries()
    {
        var report = JsonNode.Parse(await Cli(0, "compliance", "report", "--standard", "iec62443-3-3", "--target-sl", "2", "--data-dir", site.DataDirectory, "--json"))!;
        Assert.Equal("twinguard-compliance-report/1", (string?)report["format"]);
        Assert.Equal(2, (int?)report["targetSecurityLevel"]);
        Assert.True((bool?)report["ledger"]!["verified"]);
        Assert.True((bool?)report["plantModel"]!["matched"], (string?)report["plantModel"]!["problem"]);

        var controls = report["controls"]!.AsArray();
        Assert.DoesNotContain(controls, c => (int?)c!["sl"] > 2);
        var sr33 = controls.Single(c => (string?)c!["id"] == "SR 3.3")!;
        Assert.Equal("met", (string?)sr33["status"]);
        var selfTest = sr33["evidence"]!.AsArray().Single(e => (string?)e!["type"] == "self-test")!;
        Assert.Equal(site.SelfTestEntries, selfTest["entries"]!.AsArray().Select(e => (long)e!));
        Assert.Contains("spike", (string?)selfTest["values"]!["scenarios"], StringComparison.Ordinal);

        // The run's findings are evidence too (SR 6.2 continuous monitoring cites reading batches and findings).
        var sr62 = controls.Single(c => (string?)c!["id"] == "SR 6.2")!;
        Assert.Equal("met", (string?)sr62["status"]);
        var citations = report["citations"]!.AsArray();
        Assert.Contains(citations, c => (string?)c!["kind"] == "finding");
        Assert.Contains(citations, c => (string?)c!["kind"] == "self-test" && ((string?)c["summary"])!.Contains("spike seed 3: detected", StringComparison.Ordinal));
        var cited = controls.SelectMany(c => c!["evidence"]!.AsArray()).SelectMany(e => e!["entries"]!.AsArray()).Select(e => (long)e!).ToHashSet();
        Assert.Equal(cited.Order(), citations.Select(c => (long)c!["index"]!));
        Assert.All(citations, c => Assert.Equal((long?)report["checkpoint"]!["treeSize"], (long?)c!["proof"]!["treeSize"]));

        // Every control is either evaluated or says why it is outside TwinGuard's scope.
        Assert.All(controls, c => Assert.False(string.IsNullOrWhiteSpace((string?)c!["reason"]), (string?)c!["id"]));
    }

    [Fact]
    public async Task Verify_ReportOfSimulateRun_PassesHereAndInIndependentPythonVerifier()
    {
        using var dir = new TempDirectory();
        var file = dir.PathOf("report.json");
        await Cli(0, "compliance", "report", "--standard", "nist-800-82", "--data-dir", site.DataDirectory, "--format", "json", "--output", file);
        var verified = JsonNode.Parse(await Cli(0, "compliance", "verify", file, "--public-key", site.PublicKeyFile, "--data-dir", site.DataDirectory, "--json"))!;
        Assert.True((bool?)verified["ok"]);
        Assert.True((bool?)verified["checkpointVerified"]);
        Assert.True((bool?)verified["ledgerMatched"]);
        Assert.True((int?)verified["citationsVerified"] > 5);
        Assert.Equal((int?)verified["citations"], (int?)verified["citationsVerified"]);

        var (exit, python) = await PythonAsync(file);
        Assert.True(exit == 0, python.ToString());
        Assert.Equal((int?)verified["citations"], python.GetProperty("citationsVerified").GetInt32());
    }

    [Fact]
    public async Task Verify_OneByteOfCitedEntryChanged_FailsNamingTheEntry()
    {
        using var dir = new TempDirectory();
        var report = JsonNode.Parse(await Cli(0, "compliance", "report", "--standard", "iso27001", "--data-dir", site.DataDirectory, "--json"))!;
        var finding = report["citations"]!.AsArray().First(c => (string?)c!["kind"] == "finding")!;
        var index = (long)finding["index"]!;
        var payload = Convert.FromBase64String((string)finding["payloadBase64"]!);
        var at = Encoding.UTF8.GetString(payload).IndexOf("\"severity\":\"", StringComparison.Ordinal) + 12;
        payload[at] ^= 0x01; // one bit of one byte: "high" becomes "iigh"
        finding["payloadBase64"] = Convert.ToBase64String(payload);
        var file = dir.File("tampered.json", report.ToJsonString());

        var text = await Cli(1, "compliance", "verify", file, "--public-key", site.PublicKeyFile);
        Assert.Contains($"FAILED: entry {index} (finding): the inclusion proof does not lead to the signed root", text, StringComparison.Ordinal);
        Assert.Contains("REPORT DOES NOT VERIFY", text, StringComparison.Ordinal);
        var (exit, python) = await PythonAsync(file);
        Assert.Equal(1, exit);
        Assert.Contains(python.GetProperty("problems").EnumerateArray(), p => p.TryGetProperty("entry", out var e) && e.GetInt64() == index);
    }

    [Fact]
    public async Task Verify_ReportDescribingAnEntryFalsely_FailsNamingTheEntry()
    {
        using var dir = new TempDirectory();
        var report = JsonNode.Parse(await Cli(0, "compliance", "report", "--standard", "iec62443-3-3", "--data-dir", site.DataDirectory, "--json"))!;
        var selfTest = report["citations"]!.AsArray().First(c => (string?)c!["kind"] == "self-test")!;
        selfTest["summary"] = "self-test: every scenario detected";
        var file = dir.File("described.json", report.ToJsonString());
        var text = await Cli(1, "compliance", "verify", file, "--public-key", site.PublicKeyFile);
        Assert.Contains($"entry {(long)selfTest["index"]!} (self-test): the report describes it as", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_OtherKey_FailsOnTheCheckpoint()
    {
        using var dir = new TempDirectory();
        var file = dir.PathOf("report.json");
        await Cli(0, "compliance", "report", "--standard", "iso27001", "--data-dir", site.DataDirectory, "--format", "json", "--output", file);
        using var other = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var key = dir.File("other.pem", other.ExportSubjectPublicKeyInfoPem());
        var text = await Cli(1, "compliance", "verify", file, "--public-key", key);
        Assert.Contains("is not signed by the key given", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_HtmlAndMarkdown_ListEveryControlAndWhatIsNotMet()
    {
        using var dir = new TempDirectory();
        var html = dir.PathOf("report.html");
        await Cli(0, "compliance", "report", "--standard", "iec62443-3-3", "--target-sl", "2", "--data-dir", site.DataDirectory, "--format", "html", "--output", html);
        var text = await File.ReadAllTextAsync(html);
        Assert.StartsWith("<!doctype html>", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("id=\"control-SR-3-3\"", text, StringComparison.Ordinal);
        Assert.Contains("data-chart=\"findings\"", text, StringComparison.Ordinal);
        var md = await Cli(0, "compliance", "report", "--standard", "iec62443-3-3", "--target-sl", "2", "--data-dir", site.DataDirectory, "--format", "md");
        Assert.Contains("| SR 3.3 | Security functionality verification | 1 | met |", md, StringComparison.Ordinal);
        Assert.Contains("## Not met", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_ConfigOtherThanTheOneRecorded_RefusedInOneLine()
    {
        using var dir = new TempDirectory();
        var changed = dir.File("plant.yaml", await File.ReadAllTextAsync(site.PlantFile) + "\n# edited after the run\n");
        var error = await CliError("compliance", "report", "--standard", "iso27001", "--data-dir", site.DataDirectory, "--config", changed);
        Assert.Contains("but the site ran on", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Report_BadArguments_OneLineErrors()
    {
        Assert.Contains("--target-sl: iso27001 has no security levels", await CliError("compliance", "report", "--standard", "iso27001", "--target-sl", "2", "--data-dir", site.DataDirectory), StringComparison.Ordinal);
        Assert.Contains("--standard 'pci': expected one of", await CliError("compliance", "report", "--standard", "pci", "--data-dir", site.DataDirectory), StringComparison.Ordinal);
        Assert.Contains("--from '2026-13-01'", await CliError("compliance", "report", "--standard", "iso27001", "--from", "2026-13-01", "--data-dir", site.DataDirectory), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_PeriodWithoutEntries_MonitoringNotMet()
    {
        var report = JsonNode.Parse(await Cli(0, "compliance", "report", "--standard", "iec62443-3-3", "--from", "2020-01-01", "--to", "2020-01-02", "--data-dir", site.DataDirectory, "--json"))!;
        Assert.Equal(0, (long?)report["period"]!["entries"]);
        var sr62 = report["controls"]!.AsArray().Single(c => (string?)c!["id"] == "SR 6.2")!;
        Assert.Equal("not-met", (string?)sr62["status"]);
        Assert.Contains("0 reading-batch entries in the period", (string?)sr62["reason"], StringComparison.Ordinal);
    }

    private static async Task<string> Cli(int expected, params string[] args)
    {
        var (original, originalError) = (Console.Out, Console.Error);
        var output = new StringWriter();
        var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var exit = await TwinGuardCli.RunAsync(args);
            Assert.True(expected == exit, $"exit {exit}: {error}{output}");
        }
        finally
        {
            Console.SetOut(original);
            Console.SetError(originalError);
        }

        return output.ToString();
    }

    private static async Task<string> CliError(params string[] args)
    {
        var original = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        try
        {
            Assert.Equal(TwinGuardCli.UsageError, await TwinGuardCli.RunAsync(args));
        }
        finally
        {
            Console.SetError(original);
        }

        return error.ToString();
    }

    private async Task<(int ExitCode, JsonElement Json)> PythonAsync(string report)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "test", "TwinGuard.Ledger.Tests", "verifier", "verify_report.py"));
        start.ArgumentList.Add(report);
        start.ArgumentList.Add("--public-key");
        start.ArgumentList.Add(site.PublicKeyFile);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(output.Length > 0, "verify_report.py printed nothing: " + error);
        return (process.ExitCode, JsonDocument.Parse(output).RootElement.Clone());
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TwinGuard.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("TwinGuard.slnx not found above " + AppContext.BaseDirectory);
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// The sample plant with <c>tank-gateway</c> logging in by a generated secret: made by the real
/// <c>twinguard device-secret --json</c>, its verifier written into the device's entry in place of its password hash.
/// </summary>
internal sealed record GeneratedSecretPlant(string PlantFile, string Secret, string Verifier)
{
    public const string Device = "tank-gateway";

    /// <summary>The human password the sample plant gives <c>tank-gateway</c>: what must no longer open it.</summary>
    public const string HumanPassword = "demo-tank-gateway";

    /// <summary>Every piece of the verifier that must never be printed or recorded: the whole, its salt and its hash.</summary>
    public IEnumerable<string> Secrets => [Secret, Secret[4..], Verifier, .. Verifier.Split('$')[1..]];

    public static async Task<GeneratedSecretPlant> WriteAsync(string directory)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "twinguard")) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("device-secret");
        start.ArgumentList.Add("--json");
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"twinguard device-secret exited {process.ExitCode}: {error}");
        using var made = JsonDocument.Parse(output); // --json prints only JSON
        var (secret, verifier) = (made.RootElement.GetProperty("secret").GetString()!, made.RootElement.GetProperty("secret_hash").GetString()!);

        var text = File.ReadAllText(ServedSite.SamplePlantPath);
        var entry = text.IndexOf($"  - id: {Device}\n", StringComparison.Ordinal);
        var line = text.IndexOf("    password_hash:", entry, StringComparison.Ordinal);
        var end = text.IndexOf('\n', line) + 1;
        var file = Path.Combine(directory, "plant-secret.yaml");
        File.WriteAllText(file, text[..line] + $"    secret_hash: \"{verifier}\"\n" + text[end..]);
        return new GeneratedSecretPlant(file, secret, verifier);
    }

    /// <summary>A reading of the tank with a level no other test sends, so that finding it in the ledger says it was this one.</summary>
    public static string Reading(int seq, double level) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $$$"""{"ts":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"seq":{{{seq}}},"values":{"level":{{{level}}}}}""");
}

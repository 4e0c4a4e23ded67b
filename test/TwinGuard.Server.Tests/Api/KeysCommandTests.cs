using System.Text.Json;
using TwinGuard.Server.Access;
using TwinGuard.Server.Commands;

namespace TwinGuard.Server.Tests.Api;

/// <summary><c>twinguard keys</c>: tokens are shown once, stored hashed, and revocation is final.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class KeysCommandTests
{
    [Fact]
    public async Task CreateListRevoke_RoundTrip_StoresOnlyAHash()
    {
        using var dir = new TempDirectory();
        var created = JsonDocument.Parse(await RunAsync("keys", "create", "--role", "operator", "--site", "line1", "--name", "olga", "--data-dir", dir.Path, "--json")).RootElement;
        var token = created.GetProperty("token").GetString()!;
        var id = created.GetProperty("key").GetProperty("id").GetString()!;
        Assert.Equal("operator", created.GetProperty("key").GetProperty("role").GetString());

        using (var keys = ApiKeyStore.Open(dir.Path))
        {
            Assert.Equal("olga", keys.Validate(token)?.Name);
            Assert.Null(keys.Validate(token[..^1] + (token[^1] == 'A' ? 'B' : 'A')));
        }

        // The secret is everything after "tgk_<id>_": base64url, which may itself hold '_', so split off two parts only
        // (splitting at every '_' could leave a one-letter fragment that any file contains).
        var secret = token.Split('_', 3)[2];
        Assert.Equal(TwinGuard.Twins.Plant.GeneratedSecret.RandomLength, secret.Length);
        Assert.DoesNotContain(secret, System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(Path.Combine(dir.Path, ApiKeyStore.FileName))), StringComparison.Ordinal);
        var listed = JsonDocument.Parse(await RunAsync("keys", "list", "--data-dir", dir.Path, "--json")).RootElement;
        Assert.Equal(id, Assert.Single(listed.EnumerateArray()).GetProperty("id").GetString());

        await RunAsync("keys", "revoke", id, "--data-dir", dir.Path);
        using (var keys = ApiKeyStore.Open(dir.Path))
        {
            Assert.Null(keys.Validate(token));
        }

        Assert.Equal(TwinGuardCli.UsageError, await TwinGuardCli.RunAsync(["keys", "revoke", id, "--data-dir", dir.Path]));
        Assert.Equal(TwinGuardCli.UsageError, await TwinGuardCli.RunAsync(["keys", "create", "--role", "root", "--data-dir", dir.Path]));
    }

    /// <summary>Runs the CLI in-process, requires exit code 0, and returns what it printed.</summary>
    internal static async Task<string> RunAsync(params string[] args)
    {
        var original = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, await TwinGuardCli.RunAsync(args));
        }
        finally
        {
            Console.SetOut(original);
        }

        return output.ToString();
    }
}

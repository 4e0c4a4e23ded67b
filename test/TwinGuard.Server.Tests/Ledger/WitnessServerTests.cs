using System.Text.Json;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Tests.Ledger;

/// <summary>
/// <c>twinguard witness serve</c> over real HTTP: a ledger sends its checkpoints, the witness cosigns consistent ones,
/// refuses a fork, and <c>ledger verify --witness</c> checks the cosignatures.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class WitnessServerTests
{
    [Fact]
    public async Task Witness_OverHttp_CosignsCheckpointsRefusesAForkAndVerifyRequiresItsCosignatures()
    {
        using var data = new TempDirectory();
        using var keys = new TempDirectory();
        using var state = new TempDirectory();
        var ledgerDir = Path.Combine(data.Path, "ledger");
        var keyOptions = LedgerKeyLocations.For(ledgerDir, keys.Path);
        var witnessKey = WitnessSigningKey.LoadOrCreate(Path.Combine(state.Path, "witness-key.pem"), "soc.example/witness");

        await using (var writer = LedgerWriter.Open(ledgerDir, LedgerOptions.Default with { Key = keyOptions }, TimeProvider.System))
        {
            using var witness = new Witness(witnessKey, state.Path, [LedgerPublicKey.Load(keyOptions.PinPath!)], TimeProvider.System);
            var (started, url) = await WitnessServer.StartOnLoopbackAsync(witness, CancellationToken.None);
            await using var server = started;
            using var http = new HttpClient();
            await using var witnessing = new CheckpointWitnessing(writer, [new WitnessEndpoint(new Uri(url), witnessKey.PublicKey)], http);
            for (var round = 0; round < 3; round++)
            {
                for (var i = 0; i < 100; i++)
                {
                    writer.Append(LedgerEntryKind.Finding, "{\"finding\":1}"u8);
                }

                Assert.Equal(1, await witnessing.WitnessAsync(await writer.CheckpointAsync()));
            }

            // A second history of 300 entries, signed by the site key, offered to the witness: refused and recorded.
            using var site = System.Security.Cryptography.ECDsa.Create();
            site.ImportFromPem(await File.ReadAllTextAsync(keyOptions.SigningKeyPath!));
            var text = System.Text.Encoding.UTF8.GetString(Checkpoint.NoteText(writer.PublicKey.Origin, 300, new byte[32]));
            var signature = site.SignData(System.Text.Encoding.UTF8.GetBytes(text), System.Security.Cryptography.HashAlgorithmName.SHA256,
                System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence);
            var fork = new TwinGuard.Ledger.Notes.SignedNote(text, [new(writer.PublicKey.Origin, writer.PublicKey.KeyHash, signature)]);
            using var response = await http.PostAsync(new Uri(url + "/add-checkpoint"), new StringContent("old 300\n\n" + fork));
            Assert.Equal(System.Net.HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("300\n", await response.Content.ReadAsStringAsync());
            Assert.Equal(1, witness.ForksRecorded);
            Assert.Equal(witnessKey.PublicKey.VerifierKey + "\n", await http.GetStringAsync(new Uri(url + "/key")));
            await server.StopAsync();
        }

        var verified = JsonDocument.Parse(await RunAsync(0, "ledger", "verify", "--data-dir", data.Path, "--pin", keyOptions.PinPath!,
            "--witness", witnessKey.PublicKey.VerifierKey, "--json")).RootElement;
        Assert.True(verified.GetProperty("ok").GetBoolean());
        Assert.Equal("pinned-key", verified.GetProperty("trust").GetString());
        Assert.Equal(300, verified.GetProperty("witnessedSize").GetInt64());

        // Without a key given or pinned, it still runs but says what it proves (text and JSON).
        var own = JsonDocument.Parse(await RunAsync(0, "ledger", "verify", "--data-dir", data.Path, "--json")).RootElement;
        Assert.Equal("log-own-key", own.GetProperty("trust").GetString());
        Assert.Contains("log's own key only", own.GetProperty("scope").GetString(), StringComparison.Ordinal);
        Assert.Contains("WARNING: integrity proven against the log's own key only", await RunAsync(0, "ledger", "verify", "--data-dir", data.Path),
            StringComparison.Ordinal);

        // Another witness's key: no checkpoint is cosigned by it.
        var stranger = WitnessSigningKey.LoadOrCreate(Path.Combine(state.Path, "other.pem"), "other.example/witness");
        var unwitnessed = JsonDocument.Parse(await RunAsync(LedgerCommand.VerificationFailed, "ledger", "verify", "--data-dir", data.Path,
            "--pin", keyOptions.PinPath!, "--witness", stranger.PublicKey.VerifierKey, "--json")).RootElement;
        Assert.Equal("witness", unwitnessed.GetProperty("problem").GetProperty("kind").GetString());

        var note = await RunAsync(0, "ledger", "checkpoint", "--data-dir", data.Path, "--note");
        Assert.StartsWith(LedgerPublicKey.DefaultOrigin(Convert.FromHexString(verified.GetProperty("keyId").GetString()!)) + "\n300\n", note, StringComparison.Ordinal);
        Assert.Contains("\u2014 soc.example/witness ", note, StringComparison.Ordinal);
    }

    private static async Task<string> RunAsync(int expectedExit, params string[] args)
    {
        var original = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            Assert.Equal(expectedExit, await TwinGuardCli.RunAsync(args));
        }
        finally
        {
            Console.SetOut(original);
        }

        return output.ToString();
    }
}

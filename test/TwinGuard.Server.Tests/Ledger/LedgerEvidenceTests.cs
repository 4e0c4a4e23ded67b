using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Ledger;
using TwinGuard.Server.Access;
using TwinGuard.Server.Tests.Api;

namespace TwinGuard.Server.Tests.Ledger;

/// <summary>No secrets in the evidence: the plant model is recorded without password hashes, and the API never returns one.</summary>
public sealed class LedgerEvidenceTests
{
    [Fact]
    public async Task EntryZero_NewLedger_HoldsNoPasswordHashButTheWholeFilesHash()
    {
        await using var site = new TwinGuardSiteFactory();
        var viewer = site.CreateKey(ApiRole.Viewer).Token;
        await site.Services.GetRequiredService<LedgerWriter>().CheckpointAsync();

        using (var reader = LedgerReader.Open(Path.Combine(site.DataDirectory, "ledger")))
        {
            var payload = Encoding.UTF8.GetString(reader.ReadEntry(0).Payload.Span);
            Assert.DoesNotContain("pbkdf2", payload, StringComparison.Ordinal);
            using var json = JsonDocument.Parse(payload);
            Assert.Equal(4, json.RootElement.GetProperty("redacted").GetInt32()); // the sample plant's four devices
            Assert.Contains("password_hash: \"[redacted]\"", json.RootElement.GetProperty("content").GetString(), StringComparison.Ordinal);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(TwinGuardSiteFactory.SamplePlantPath))),
                json.RootElement.GetProperty("sha256").GetString());
        }

        var proof = await site.Client(viewer).GetFromJsonAsync<JsonElement>("/api/ledger/entries/0/proof");
        Assert.True(proof.GetProperty("verified").GetBoolean());
        Assert.False(proof.GetProperty("payloadRedacted").GetBoolean());
        Assert.DoesNotContain("pbkdf2", Encoding.UTF8.GetString(Convert.FromBase64String(proof.GetProperty("payloadBase64").GetString()!)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProofApi_LedgerRecordedBeforeRedaction_NeverReturnsThePasswordHash()
    {
        await using var site = new TwinGuardSiteFactory();

        // A ledger as earlier versions wrote it: the whole plant model in entry 0, key in the ledger directory.
        var plant = await File.ReadAllTextAsync(TwinGuardSiteFactory.SamplePlantPath);
        await using (var legacy = LedgerWriter.Open(Path.Combine(site.DataDirectory, "ledger"), LedgerOptions.Default, TimeProvider.System))
        {
            legacy.Append(LedgerEntryKind.ConfigChange, JsonSerializer.SerializeToUtf8Bytes(new { kind = "plant-model", source = "plant.yaml", sha256 = "00", content = plant }));
        }

        var viewer = site.CreateKey(ApiRole.Viewer).Token; // starts the site on the old ledger (its key is moved out)
        await site.Services.GetRequiredService<LedgerWriter>().CheckpointAsync();
        var proof = await site.Client(viewer).GetFromJsonAsync<JsonElement>("/api/ledger/entries/0/proof");
        Assert.True(proof.GetProperty("verified").GetBoolean());
        Assert.True(proof.GetProperty("payloadRedacted").GetBoolean());
        var payload = Encoding.UTF8.GetString(Convert.FromBase64String(proof.GetProperty("payloadBase64").GetString()!));
        Assert.DoesNotContain("pbkdf2", payload, StringComparison.Ordinal);
        Assert.Contains("[redacted]", payload, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(site.DataDirectory, "ledger", "signing-key.pem")));
    }
}

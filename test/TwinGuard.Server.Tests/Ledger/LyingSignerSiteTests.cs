using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Server.Access;
using TwinGuard.Server.Tests.Api;

namespace TwinGuard.Server.Tests.Ledger;

/// <summary>A site whose ledger signer lies: a critical finding, a failed health check, and no checkpoint it signed.</summary>
public sealed class LyingSignerSiteTests
{
    [Fact]
    public async Task Serve_SignerSignsWithAnotherKey_CriticalFindingAndUnhealthyAndNothingSigned()
    {
        var keys = Directory.CreateTempSubdirectory("twinguard-signer-").FullName;
        try
        {
            using var configured = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var publicPath = Path.Combine(keys, "signer.pub.pem");
            var otherPath = Path.Combine(keys, "other.pem");
            await File.WriteAllTextAsync(publicPath, configured.ExportSubjectPublicKeyInfoPem());
            await File.WriteAllTextAsync(otherPath, other.ExportPkcs8PrivateKeyPem());
            var key = new LedgerKeyOptions
            {
                SignerCommand = $"openssl dgst -sha256 -sign '{otherPath}' | base64 -w0", // a well-formed signature of the wrong key
                SignerPublicKeyPath = publicPath,
                PinPath = Path.Combine(keys, "ledger.pin.vkey"),
            };
            await using var site = new TwinGuardSiteFactory(ledgerKey: key);
            var viewer = site.Client(site.CreateKey(ApiRole.Viewer).Token);
            var ledger = site.Services.GetRequiredService<LedgerWriter>();

            var error = await Assert.ThrowsAsync<IOException>(() => ledger.CheckpointAsync());
            Assert.Contains("does not verify", error.Message, StringComparison.Ordinal);

            var findings = await ReadingsApiTests.EventuallyAsync(
                () => viewer.GetFromJsonAsync<JsonElement>("/api/findings"),
                list => list.EnumerateArray().Any(f => f.GetProperty("reason").GetString() == "ledger_signer_distrusted"));
            var finding = findings.EnumerateArray().Single(f => f.GetProperty("reason").GetString() == "ledger_signer_distrusted");
            Assert.Equal("critical", finding.GetProperty("severity").GetString());

            using var health = await viewer.GetAsync(new Uri("/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Contains("no longer signs checkpoints", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Contains("twinguard_ledger_signing 0", await viewer.GetStringAsync(new Uri("/metrics", UriKind.Relative)), StringComparison.Ordinal);
            Assert.Null(ledger.LatestCheckpoint);
            var checkpoints = new FileInfo(Path.Combine(site.DataDirectory, "ledger", "checkpoints.tgc"));
            Assert.False(checkpoints.Exists && checkpoints.Length > 0);
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }
}

using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Tests.Record;

/// <summary>Recorded configuration keeps everything but its secrets.</summary>
public sealed class SecretRedactionTests
{
    [Fact]
    public void Redact_SamplePlant_RemovesEveryPasswordHashAndKeepsTheRest()
    {
        var plant = File.ReadAllText(SamplePlant.Path);
        Assert.Contains("pbkdf2-sha256$", plant, StringComparison.Ordinal);

        var (text, count) = SecretRedaction.Redact(plant);

        Assert.DoesNotContain("pbkdf2", text, StringComparison.Ordinal);
        Assert.Equal(4, count);
        Assert.Equal(plant.Split('\n').Length, text.Split('\n').Length); // comments and layout stay
        Assert.Contains("# Passwords are stored as PBKDF2-SHA256 hashes", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_SecretsByNameAndByValue_ReferencesToSecretsKept()
    {
        const string yaml = """
            notify:
              - kind: webhook
                url: https://soc.example/hook
                secret_env: TWINGUARD_WEBHOOK_KEY
                token: abc123
                api-key: "k-1"
            tls:
              key_file: /etc/twinguard/tls.key
              private_key: |
                -----BEGIN PRIVATE KEY-----
                MC4CAQAwBQYDK2VwBCIEIA==
                -----END PRIVATE KEY-----
            extra: [ "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA" ]
            """;

        var (text, count) = SecretRedaction.Redact(yaml);

        Assert.Equal(4, count);
        Assert.DoesNotContain("abc123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("k-1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("MC4CAQ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("argon2", text, StringComparison.Ordinal);
        Assert.Contains("secret_env: TWINGUARD_WEBHOOK_KEY", text, StringComparison.Ordinal);
        Assert.Contains("key_file: /etc/twinguard/tls.key", text, StringComparison.Ordinal);
        Assert.Contains("url: https://soc.example/hook", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_GeneratedDeviceSecretAndItsHash_RemovedByNameAndByValue()
    {
        var (secret, hash) = TwinGuard.Twins.Plant.DeviceSecretHash.Generate();
        var yaml = $"""
            devices:
              - id: plc
                secret_hash: "{hash}"
            notes: ["{hash}", "{secret}"]
            """;

        var (text, count) = SecretRedaction.Redact(yaml);

        Assert.Equal(3, count);
        Assert.DoesNotContain(hash.ToString()[11..], text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.Contains("id: plc", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_NotYaml_RedactsTheWholeFile()
    {
        var (text, count) = SecretRedaction.Redact("password: [unclosed\n  token: x");
        Assert.Equal(1, count);
        Assert.DoesNotContain("token", text, StringComparison.Ordinal);
    }
}

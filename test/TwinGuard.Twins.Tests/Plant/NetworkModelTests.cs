using System.Net;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Plant;

public sealed class NetworkModelTests
{
    private static PlantModel WithListeners(string listeners) => PlantModelLoader.Parse(
        SamplePlant.Text.Replace("devices:\n", $"listeners:\n{listeners}\ndevices:\n", StringComparison.Ordinal), "site.yaml");

    [Fact]
    public void Parse_LoopbackAndAny_ExpandToTheirSockets()
    {
        var plant = WithListeners("  - { protocol: mqtt, address: loopback, port: 1883 }\n  - { protocol: http, address: any, port: 8080 }");

        Assert.Equal(
            [
                new ListenerModel(ListenerProtocol.Mqtt, IPAddress.Loopback, 1883),
                new ListenerModel(ListenerProtocol.Mqtt, IPAddress.IPv6Loopback, 1883),
                new ListenerModel(ListenerProtocol.Http, IPAddress.IPv6Any, 8080, DualStack: true),
            ],
            plant.Listeners!);
    }

    [Theory]
    [InlineData("  - { protocol: mqtts, address: loopback, port: 8883 }", "needs the 'tls' section")]
    [InlineData("  - { protocol: mqtt, address: any, port: 1883 }\n  - { protocol: mqtt, address: 10.0.0.5, port: 1883 }", "overlaps the listener mqtt any port 1883")]
    [InlineData("  - { protocol: mqtt, address: somewhere, port: 1883 }", "expected 'loopback', 'any' or an IP address")]
    [InlineData("  - { protocol: mqtt, address: loopback, port: 70000 }", "expected a TCP port")]
    [InlineData("  - { protocol: amqp, address: loopback, port: 5672 }", "expected one of: mqtt, mqtts, http, https")]
    public void Parse_WrongListener_SaysWhat(string listeners, string expected)
    {
        var error = Assert.Throws<PlantModelException>(() => WithListeners(listeners));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("site.yaml:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CertificateDeviceWithoutPassword_NeedsTheSiteCa()
    {
        var text = SamplePlant.Text.Replace(
            "  - id: vibration-node\n    name: Wireless vibration sensor on the pump\n",
            "  - id: vibration-node\n    name: Wireless vibration sensor on the pump\n    certificate: { subject: \"CN=vibration-node, O=line1\" }\n",
            StringComparison.Ordinal);

        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(text, "site.yaml"));

        Assert.Contains("'tls.client_ca' must name the CA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PinnedFingerprint_IsNormalised()
    {
        var pasted = string.Join(':', Enumerable.Range(0, 32).Select(i => (i * 7 % 256).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        var text = SamplePlant.Text.Replace(
            "  - id: vibration-node\n    name: Wireless vibration sensor on the pump\n",
            $"  - id: vibration-node\n    name: Wireless vibration sensor on the pump\n    certificate: {{ fingerprint: \"{pasted}\" }}\n",
            StringComparison.Ordinal);

        var device = PlantModelLoader.Parse(text, "site.yaml").FindDevice("vibration-node")!;

        Assert.Equal(pasted.Replace(":", string.Empty, StringComparison.Ordinal).ToUpperInvariant(), device.Certificate!.Fingerprint);
        Assert.NotNull(device.PasswordHash); // declared too: the device needs both
    }

    [Fact]
    public void PasswordHash_FewerIterationsThanNewOnes_AreWeakAndTheSamplesAreNot()
    {
        // The shipped sample plant meets IEC 62443-3-3 SR 1.7 (strength of password-based authentication).
        Assert.False(SamplePlant.Load().FindDevice("loop-plc")!.PasswordHash!.IsWeak);
        Assert.True(PasswordHash.Parse("pbkdf2-sha256$100000$L/PHj1E2hqdTIkX88JE+gQ==$A/BcD2Aoru2CEJO1/+ybo+obQWeII51jBeLzzcacUgk=").IsWeak);
        Assert.Equal(600_000, PasswordHash.DefaultIterations);
        Assert.False(PasswordHash.Parse(PasswordHash.Create("x").ToString()).IsWeak);
    }
}

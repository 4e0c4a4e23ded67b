using System.Diagnostics;
using System.Globalization;
using System.Net;
using TwinGuard.Server.Hosting;
using TwinGuard.Testing;

namespace TwinGuard.EndToEnd.Tests.Edge;

/// <summary>
/// Devices reach the edge agent over mqtts with their certificates, as they reach the site (<c>--listen-tls</c>): a real
/// <c>mosquitto_pub</c> with the site CA and the device's certificate is accepted and its reading forwarded to the site;
/// without a certificate it is refused.
/// </summary>
public sealed class EdgeDeviceTlsTests
{
    [Fact]
    public async Task Edge_DeviceOverMqttsWithItsCertificate_IsAcceptedAndWithoutOneRefused()
    {
        await using var site = await EdgeSiteFixture.StartAsync();
        int devicePort = 0, tlsPort = 0;
        var pki = site.Certificates;
        await using var edge = await EdgeProcess.StartAsync(() =>
        {
            (devicePort, tlsPort) = (LoopbackPorts.Free(), LoopbackPorts.Free());
            return
            [
                .. site.EdgeArguments(devicePort, site.MqttsPort),
                "--listen-tls", $"127.0.0.1:{tlsPort}", "--device-cert", pki.ServerCertificate, "--device-key", pki.ServerKey,
            ];
        });
        await edge.LineAsync(l => l.Contains("linked to site", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the edge to link to the site");

        var reading = $$"""{"ts":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"seq":1,"value":0.2}""";
        var accepted = await PublishAsync(tlsPort, pki.CaCertificate, pki.DeviceCertificate("vibration-node"), pki.DeviceKey("vibration-node"), reading);
        var noCertificate = await PublishAsync(tlsPort, pki.CaCertificate, null, null, reading);

        Assert.True(accepted.Code == 0, "with its certificate: " + accepted.Error);
        Assert.NotEqual(0, noCertificate.Code);
        var forwarded = await Eventually.HoldsAsync(() => site.Edges.Messages("edge1", "reading").Select(m => m.Reading!).Where(r => r.Device == "vibration-node").ToList(),
            l => l.Count >= 1, TimeSpan.FromSeconds(30), "the reading over TLS at the site");
        Assert.Equal(0.2, forwarded[0].Values["vibration"]);
    }

    private static async Task<(int Code, string Error)> PublishAsync(int port, string ca, string? certificate, string? key, string message)
    {
        var start = new ProcessStartInfo("mosquitto_pub") { RedirectStandardError = true, RedirectStandardOutput = true };
        string[] arguments = ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-V", "mqttv311", "-q", "1", "--cafile", ca,
            "-u", "vibration-node", "-P", "demo-vibration-node", "-t", "plant/pump1/vibration", "-m", message];
        foreach (var argument in certificate is null ? arguments : [.. arguments, "--cert", certificate, "--key", key!])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, error.Trim());
    }
}

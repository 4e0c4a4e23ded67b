using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TwinGuard.Twins.Respond;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>Alerts of a real incident received by real listeners (UDP, TCP and TLS syslog, an HTTP webhook) and parsed back.</summary>
public sealed class LockdownNotifyTests
{
    [Fact]
    public async Task Serve_IncidentWithNotifiers_SyslogAndWebhookArriveAndParseBack()
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var udpPort = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        var tcp = new TcpListener(IPAddress.Loopback, 0);
        tcp.Start();
        var tcpPort = ((IPEndPoint)tcp.LocalEndpoint).Port;
        using var pki = new Network.SitePki([]);
        var tlsListener = new TcpListener(IPAddress.Loopback, 0);
        tlsListener.Start();
        var tlsPort = ((IPEndPoint)tlsListener.LocalEndpoint).Port;
        var (webhookListener, webhookPort) = LoopbackHttpListener.Start("/hook/");
        using var http = webhookListener;
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var keyVariable = "TWINGUARD_TEST_WEBHOOK_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(keyVariable, key);

        var plan = LockdownEndToEndTests.Plan(
            extraNotifiers: $"""
              - {"{"} id: syslog-udp, kind: syslog, host: 127.0.0.1, port: {udpPort}, transport: udp {"}"}
              - {"{"} id: syslog-tcp, kind: syslog, host: 127.0.0.1, port: {tcpPort}, transport: tcp {"}"}
              - {"{"} id: syslog-tls, kind: syslog, host: 127.0.0.1, port: {tlsPort}, transport: tls, ca: {pki.Site.CaCertificate} {"}"}
              - {"{"} id: hook, kind: webhook, url: "http://127.0.0.1:{webhookPort}/hook/", secret_env: {keyVariable} {"}"}
            """,
            extraActions: "      - notify: [syslog-udp, syslog-tcp, syslog-tls, hook]");
        var dataDir = Directory.CreateTempSubdirectory("twinguard-lockdown-notify-").FullName;
        await using var site = await ServedSite.StartAsync(dataDirectory: dataDir, plan: plan);

        var udpMessage = LockdownListeners.ReceiveUdpAsync(udp, TimeSpan.FromSeconds(30));
        var tcpMessage = LockdownListeners.ReceiveTcpFrameAsync(tcp, TimeSpan.FromSeconds(30));
        var tlsMessage = LockdownListeners.ReceiveTlsFrameAsync(tlsListener, pki.Site.ServerCertificate, pki.Site.ServerKey, TimeSpan.FromSeconds(30));
        var webhook = ReceiveWebhookAsync(http);

        await using (var tank = LockdownDevice.Start(site.MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1"))
        {
            await tank.SendAsync($$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":1,"values":{"level":1.2,"fluid_temp":24.5}}""");
            await LockdownEndToEndTests.AttackAsync(tank);
            await Eventually.HoldsAsync(() => site.Quarantine.IsDeviceQuarantined("tank-gateway"), q => q, TimeSpan.FromSeconds(20), "tank-gateway quarantined");
        }

        foreach (var text in new[] { await udpMessage, await tcpMessage, await tlsMessage })
        {
            var syslog = LockdownListeners.ParseSyslog(text);
            Assert.Equal(4, syslog.Facility);
            Assert.Equal(3, syslog.Severity); // high -> error
            Assert.Equal("twinguard", syslog.App);
            Assert.Equal("incident", syslog.MsgId);
            Assert.True(DateTimeOffset.TryParse(syslog.Timestamp, CultureInfo.InvariantCulture, out _), syslog.Timestamp);
            Assert.Contains("twinguard@32473", syslog.StructuredData, StringComparison.Ordinal);
            var (header, extension) = LockdownListeners.ParseCef(syslog.Message);
            Assert.Equal(["CEF:0", "TwinGuard", "TwinGuard", CefFormatter.Version], header[..4]);
            Assert.Equal("8", header[6]);
            Assert.Equal("asset:tank1", extension["cs1"]);
            Assert.Equal("tampered-tank", extension["cs2"]);
            Assert.Equal("tank-gateway", extension["suser"]);
            Assert.Equal("tank1", extension["cs4"]);
            Assert.Contains("quarantine: source tank-gateway done", extension["act"], StringComparison.Ordinal);
            Assert.Contains("disconnect: device tank-gateway done", extension["act"], StringComparison.Ordinal);
            Assert.StartsWith("replayed_sequence on asset:tank1: ", extension["msg"], StringComparison.Ordinal);
        }

        var (body, signature) = await webhook;
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), body)), signature);
        using var json = JsonDocument.Parse(body);
        var incident = json.RootElement.GetProperty("incident");
        Assert.Equal("twinguard.incident", json.RootElement.GetProperty("type").GetString());
        Assert.Equal("line1", json.RootElement.GetProperty("site").GetString());
        Assert.Equal("asset:tank1", incident.GetProperty("scope").GetString());
        Assert.Equal("tank-gateway", incident.GetProperty("device").GetString());
        Assert.Contains(incident.GetProperty("findings").EnumerateArray(), f => f.GetProperty("reason").GetString() == "out_of_range");
        Assert.Contains(incident.GetProperty("actions").EnumerateArray(), a => a.GetProperty("action").GetString() == "quarantine: source" && a.GetProperty("outcome").GetString() == "done");

        // The ECS file of the same incident, and the delivery records.
        var ecsLine = (await File.ReadAllLinesAsync(Path.Combine(dataDir, "alerts", "ecs.ndjson"))).First();
        using var ecs = JsonDocument.Parse(ecsLine);
        Assert.Equal("alert", ecs.RootElement.GetProperty("event").GetProperty("kind").GetString());
        Assert.Equal(AlertJson.EcsVersion, ecs.RootElement.GetProperty("ecs").GetProperty("version").GetString());
        Assert.Equal("tank-gateway", ecs.RootElement.GetProperty("user").GetProperty("name").GetString());
        using var store = site.OpenResponseStore();
        var deliveries = await Eventually.HoldsAsync(() => store.Actions().Where(a => a.Action == "notify").ToList(), d => d.Count == 5, TimeSpan.FromSeconds(10), "five notify records");
        Assert.All(deliveries, d => Assert.Equal(ActionOutcome.Done, d.Outcome));
        tcp.Stop();
        tlsListener.Stop();
    }

    private static async Task<(byte[] Body, string? Signature)> ReceiveWebhookAsync(HttpListener http)
    {
        var context = await http.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(30));
        using var buffer = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(buffer);
        var signature = context.Request.Headers[WebhookNotifier.SignatureHeader];
        Assert.Equal("application/json; charset=utf-8", context.Request.ContentType);
        context.Response.StatusCode = 204;
        context.Response.Close();
        return (buffer.ToArray(), signature);
    }
}

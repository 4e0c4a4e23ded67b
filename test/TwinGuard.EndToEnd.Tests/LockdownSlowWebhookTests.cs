using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using TwinGuard.Twins.Respond;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// A webhook that does not answer holds up its own alert, never containment (the next incident's device is cut off
/// while the first alert still waits for its answer) and never another receiver's alert.
/// </summary>
public sealed class LockdownSlowWebhookTests
{
    [Fact]
    public async Task Serve_WebhookHoldsItsAnswer_NextIncidentIsContainedBeforeTheFirstAlertIsAnswered()
    {
        var (listener, declaration) = Webhook("hook");
        using var http = listener;
        var plan = LockdownEndToEndTests.Plan(extraNotifiers: declaration, extraActions: "      - notify: [hook]");
        var dataDir = Directory.CreateTempSubdirectory("twinguard-lockdown-slow-webhook-").FullName;
        await using var site = await ServedSite.StartAsync(dataDirectory: dataDir, plan: plan);
        using var store = site.OpenResponseStore();

        // The conveyor is connected first (its login is a deliberately slow PBKDF2): only its attack comes later.
        await using var conveyor = LockdownDevice.Start(site.MqttPort, "conveyor-plc", "demo-conveyor-plc", "plant/conveyor1");
        await conveyor.SendAsync($$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":1,"values":{"belt_speed":1.0,"motor_current":6.0,"motor_temp":40}}""");
        await Eventually.HoldsAsync(() => site.Metrics.ReadingsAccepted, n => n >= 3, TimeSpan.FromSeconds(30), "the conveyor's first good reading");

        // The tank's incident: contained, and its alert reaches the webhook, which holds its answer.
        var firstAlert = http.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await AttackTankAsync(site);

        var held = await firstAlert;
        Assert.Equal("tank-gateway", DeviceOf(held));

        // The conveyor's incident, while that answer is held: cut off all the same.
        await conveyor.SendAsync($$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":2,"values":{"motor_temp":500}}""");
        await conveyor.SendAsync($$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":3,"values":{"belt_speed":9}}""");
        await conveyor.SendAsync($$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":1,"values":{"belt_speed":1.1}}""");
        await Eventually.HoldsAsync(() => site.Quarantine.IsDeviceQuarantined("conveyor-plc"), q => q, TimeSpan.FromSeconds(30), "conveyor-plc quarantined");
        await Eventually.HoldsAsync(() => Connections(site, "conveyor-plc"), n => n == 0, TimeSpan.FromSeconds(30), "conveyor-plc disconnected");

        // Nothing has come of the first alert yet (neither delivered nor given up after the HTTP client's 10 s): the
        // conveyor's containment did not wait for it. Where notifications shared containment's queue, it did.
        Assert.DoesNotContain(store.Actions(), a => a.Action == "notify" && a.Target == "hook");

        // Answered now: both alerts are delivered, in order, and recorded.
        Answer(held);
        var second = await http.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("conveyor-plc", DeviceOf(second));
        Answer(second);
        var deliveries = await Eventually.HoldsAsync(
            () => store.Actions().Where(a => a.Action == "notify" && a.Target == "hook").ToList(), d => d.Count == 2, TimeSpan.FromSeconds(30), "two webhook deliveries recorded");
        Assert.All(deliveries, d => Assert.Equal(ActionOutcome.Done, d.Outcome));
    }

    [Fact]
    public async Task Serve_WebhookHoldsItsAnswer_AnotherReceiverGetsTheSameAlertAtOnce()
    {
        var (heldListener, heldDeclaration) = Webhook("held");
        using var held = heldListener;
        var (promptListener, promptDeclaration) = Webhook("prompt");
        using var prompt = promptListener;
        // The held receiver is named first: where one lane carried every receiver, the prompt one waited behind it.
        var plan = LockdownEndToEndTests.Plan(extraNotifiers: heldDeclaration + "\n" + promptDeclaration, extraActions: "      - notify: [held, prompt]");
        var dataDir = Directory.CreateTempSubdirectory("twinguard-lockdown-held-webhook-").FullName;
        await using var site = await ServedSite.StartAsync(dataDirectory: dataDir, plan: plan);
        using var store = site.OpenResponseStore();

        var heldAlert = held.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var promptAlert = prompt.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await AttackTankAsync(site);

        var holding = await heldAlert;
        Assert.Equal("tank-gateway", DeviceOf(holding));

        // The other receiver has the same alert, delivered and recorded, while the first still holds its answer.
        var answered = await promptAlert;
        Assert.Equal("tank-gateway", DeviceOf(answered));
        Answer(answered);
        var delivered = await Eventually.HoldsAsync(
            () => store.Actions().Where(a => a.Action == "notify" && a.Target == "prompt").ToList(), d => d.Count == 1, TimeSpan.FromSeconds(30), "the prompt receiver's delivery recorded");
        Assert.Equal(ActionOutcome.Done, delivered[0].Outcome);
        // Nothing has come of the held alert yet (neither delivered nor given up after the HTTP client's 10 s): the prompt
        // receiver did not wait for it.
        Assert.DoesNotContain(store.Actions(), a => a.Action == "notify" && a.Target == "held");

        Answer(holding);
        var heldDelivery = await Eventually.HoldsAsync(
            () => store.Actions().Where(a => a.Action == "notify" && a.Target == "held").ToList(), d => d.Count == 1, TimeSpan.FromSeconds(30), "the held receiver's delivery recorded");
        Assert.Equal(ActionOutcome.Done, heldDelivery[0].Outcome);
    }

    /// <summary>A webhook receiver on a free port, and its notifier's declaration (its HMAC key in a variable of its own).</summary>
    private static (HttpListener Listener, string Declaration) Webhook(string id)
    {
        var (listener, port) = LoopbackHttpListener.Start("/hook/");
        var keyVariable = "TWINGUARD_TEST_WEBHOOK_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(keyVariable, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
        return (listener, $"  - {{ id: {id}, kind: webhook, url: \"http://127.0.0.1:{port}/hook/\", secret_env: {keyVariable} }}");
    }

    /// <summary>The tank gateway connects, sends one good reading and attacks: its incident is contained.</summary>
    private static async Task AttackTankAsync(ServedSite site)
    {
        await using var tank = LockdownDevice.Start(site.MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1");
        await tank.SendAsync($$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":1,"values":{"level":1.2,"fluid_temp":24.5}}""");
        await LockdownEndToEndTests.AttackAsync(tank);
        await Eventually.HoldsAsync(() => site.Quarantine.IsDeviceQuarantined("tank-gateway"), q => q, TimeSpan.FromSeconds(30), "tank-gateway quarantined");
    }

    private static int Connections(ServedSite site, string device) =>
        site.Broker.EndpointsOfAsync(device, CancellationToken.None).GetAwaiter().GetResult().Count;

    private static string? DeviceOf(HttpListenerContext context)
    {
        using var json = JsonDocument.Parse(context.Request.InputStream);
        return json.RootElement.GetProperty("incident").GetProperty("device").GetString();
    }

    private static void Answer(HttpListenerContext context)
    {
        context.Response.StatusCode = 204;
        context.Response.Close();
    }
}

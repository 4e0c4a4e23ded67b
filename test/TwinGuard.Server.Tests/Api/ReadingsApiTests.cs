using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TwinGuard.Server.Access;

namespace TwinGuard.Server.Tests.Api;

/// <summary>
/// Readings published over MQTT by a real client (<c>mosquitto_pub</c>) come back from the API as the twin's recent
/// trusted history with its expected band, and show in <c>/metrics</c>.
/// </summary>
public sealed class ReadingsApiTests
{
    private static readonly double[] Levels = [1.20, 1.21, 1.22, 1.215, 1.205];

    [Fact]
    public async Task Readings_PublishedOverMqtt_AreServedInOrderWithTheirBand()
    {
        await using var site = new TwinGuardSiteFactory();
        using var client = site.Client(site.CreateKey(ApiRole.Viewer).Token);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var lines = Levels.Select((level, i) => string.Create(CultureInfo.InvariantCulture,
            $$$"""{"ts":{{{now - ((Levels.Length - i) * 250)}}},"seq":{{{i + 1}}},"values":{"level":{{{level}}},"fluid_temp":24.5}}"""));
        await MosquittoPublisher.PublishAsync(site.Settings.Broker.Port, "tank-gateway", "demo-tank-gateway", "plant/tank1", lines);

        var readings = await EventuallyAsync(
            async () => await client.GetFromJsonAsync<JsonElement>("/api/assets/tank1/signals/level/readings"),
            r => r.GetProperty("values").GetArrayLength() == Levels.Length);
        Assert.Equal(Levels, readings.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
        var times = readings.GetProperty("times").EnumerateArray().Select(t => t.GetDouble()).ToList();
        Assert.Equal(times.Order(), times);
        var lower = readings.GetProperty("lower").EnumerateArray().Select(v => v.GetDouble()).ToList();
        var upper = readings.GetProperty("upper").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.All(lower.Zip(upper), band => Assert.True(band.First <= band.Second));

        var lastTwo = await client.GetFromJsonAsync<JsonElement>("/api/assets/tank1/signals/level/readings?max=2");
        Assert.Equal(Levels[^2..], lastTwo.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/assets/tank1/signals/level/readings?max=0")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/assets/tank1/signals/pressure/readings")).StatusCode);

        var tank = await client.GetFromJsonAsync<JsonElement>("/api/assets/tank1");
        Assert.Equal(Levels[^1], tank.GetProperty("signals")[0].GetProperty("value").GetDouble());

        var metrics = await client.GetStringAsync("/metrics");
        Assert.Matches(@"(?m)^twinguard_readings_accepted_total (\d+)$", metrics);
        var accepted = long.Parse(System.Text.RegularExpressions.Regex.Match(metrics, @"(?m)^twinguard_readings_accepted_total (\d+)$").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(Levels.Length * 2, accepted);
        Assert.Contains("twinguard_refusals_total{reason=\"out_of_range\"} 0", metrics, StringComparison.Ordinal);
        // No twin has retrained yet, so none adopted a retraining late; the counter is there from the start.
        Assert.Contains("# TYPE twinguard_refits_adopted_late_total counter\ntwinguard_refits_adopted_late_total 0\n", metrics, StringComparison.Ordinal);
        Assert.All(metrics.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            line => Assert.Matches(@"^(# (HELP|TYPE) \w+ .+|\w+(\{\w+=""[^""]*""(,\w+=""[^""]*"")*\})? [-+0-9.eE]+|\w+(\{[^}]*\})? (NaN|[+-]Inf))$", line));
    }

    internal static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60); // a hang guard: a loaded CI machine is slow, not stuck
        while (true)
        {
            var value = await probe();
            if (condition(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(100);
        }
    }
}

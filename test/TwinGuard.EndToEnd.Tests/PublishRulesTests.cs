using System.Diagnostics;
using System.Globalization;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// Devices publish readings and nothing else: SUBSCRIBE only where the plant model grants it, no retained messages,
/// and a PUBLISH topic with a wildcard or U+0000 is a protocol violation that closes the connection.
/// </summary>
public sealed class PublishRulesTests
{
    // The sample plant, with tank-gateway granted the pump's readings (as a display panel would be).
    private static PlantModel Plant() => PlantModelLoader.Parse(
        File.ReadAllText(ServedSite.SamplePlantPath).Replace(
            "    topics: [plant/tank1, plant/tank1/+]\n", "    topics: [plant/tank1, plant/tank1/+]\n    subscribe: [plant/pump1/+]\n", StringComparison.Ordinal),
        ServedSite.SamplePlantPath);

    [Fact]
    public async Task MosquittoSub_UngrantedTopic_IsRefusedAndGrantedOneAccepted()
    {
        await using var site = await ServedSite.StartAsync(Plant());

        var everything = await SubscribeAsync(site.MqttPort, "tank-gateway", "#");
        var wider = await SubscribeAsync(site.MqttPort, "tank-gateway", "plant/+/speed");
        var publishOnly = await SubscribeAsync(site.MqttPort, "loop-plc", "plant/pump1/speed");
        var granted = await SubscribeAsync(site.MqttPort, "tank-gateway", "plant/pump1/speed");

        Assert.Contains("denied", everything.Error, StringComparison.Ordinal);
        Assert.Contains("denied", wider.Error, StringComparison.Ordinal);
        Assert.Contains("denied", publishOnly.Error, StringComparison.Ordinal);
        Assert.True(granted.Code == 0, "granted: " + granted.Error);
        await Eventually.HoldsAsync(() => site.Metrics.RefusalsOf(ReasonCode.UnauthorisedTopic), n => n >= 3, TimeSpan.FromSeconds(10), "three refused subscriptions");
        Assert.Equal(3, site.Metrics.RefusalsOf(ReasonCode.UnauthorisedTopic));
    }

    [Fact]
    public async Task MosquittoPub_Retained_IsRefusedAndNeverReplayed()
    {
        await using var site = await ServedSite.StartAsync(Plant());
        var reading = $$"""{"ts":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"seq":1,"value":1500}""";

        var (code, error) = await RunAsync("mosquitto_pub", "-p", Port(site), "-V", "mqttv5", "-q", "1", "-r", "-u", "loop-plc", "-P", "demo-loop-plc", "-t", "plant/pump1/speed", "-m", reading);
        await Eventually.HoldsAsync(() => site.Metrics.RefusalsOf(ReasonCode.RetainRefused), n => n == 1, TimeSpan.FromSeconds(10), "the retained message refused");

        // A subscriber that may read the topic gets no retained message: it would be sent to the subscriber on its
        // subscription, before any reading published after it. mosquitto_sub --retained-only prints retained messages and
        // exits at the first live one, so the device publishes live readings until one reaches the subscriber (the first
        // ones may come before its subscription): nothing printed, then, means nothing was retained. No timer of the
        // subscriber's own decides it (-W 8 ran out before the CONNACK on a loaded runner: exit 255).
        var subscriber = await RunWhileAsync(
            ["mosquitto_sub", "-p", Port(site), "-V", "mqttv311", "-u", "tank-gateway", "-P", "demo-tank-gateway", "-t", "plant/pump1/speed", "-v", "--retained-only"],
            async live => await MosquittoPub.PublishAsync(site.MqttPort, "loop-plc", "demo-loop-plc", "plant/pump1/speed",
                $$$"""{"ts":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"seq":{{{live + 2}}},"value":1500}"""));
        Assert.True(subscriber.Output.Length == 0, $"retained message replayed to a later subscriber: {subscriber.Output}");
        Assert.True(subscriber.Code == 0, $"mosquitto_sub exited {subscriber.Code}: {subscriber.Error}");
        await Eventually.HoldsAsync(() => site.Metrics.ReadingsAccepted, n => n >= subscriber.Steps, TimeSpan.FromSeconds(10), "the live readings accepted");
        Assert.Equal(subscriber.Steps, site.Metrics.ReadingsAccepted); // the live readings, not the retained one
        Assert.True(code != 0 || error.Length > 0, "mosquitto_pub over MQTT 5 hears the PUBACK reason code");
    }

    [Theory]
    [InlineData("plant/pump1/+")]
    [InlineData("plant/#")]
    [InlineData("plant/pump1/speed\0x")]
    public async Task RawPublish_WildcardOrNulInTopic_ClosesTheConnectionAndIsRecorded(string topic)
    {
        await using var site = await ServedSite.StartAsync(Plant());
        using var client = await MqttRawClient.ConnectAsync(site.MqttPort, "loop-plc", "demo-loop-plc");

        await client.PublishAsync(topic, $$"""{"ts":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"seq":1,"value":1500}""");

        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "the broker closes the connection");
        await Eventually.HoldsAsync(() => site.Metrics.RefusalsOf(ReasonCode.ProtocolViolation), n => n == 1, TimeSpan.FromSeconds(10), "the violation recorded");
        Assert.Equal(0, site.Metrics.ReadingsAccepted);
    }

    private static string Port(ServedSite site) => site.MqttPort.ToString(CultureInfo.InvariantCulture);

    private static Task<(int Code, string Error)> SubscribeAsync(int port, string device, string filter) =>
        RunAsync("mosquitto_sub", "-p", port.ToString(CultureInfo.InvariantCulture), "-V", "mqttv311", "-u", device, "-P", "demo-" + device, "-t", filter, "-E");

    /// <summary>
    /// Runs a program and calls <paramref name="step"/> (with how many times it was called before) every half second
    /// until the program exits; gives up after a hang guard. Returns how many steps ran, and the program's exit code and
    /// output.
    /// </summary>
    private static async Task<(int Steps, int Code, string Output, string Error)> RunWhileAsync(string[] command, Func<int, Task> step)
    {
        using var process = Process.Start(StartInfo(command[0], command[1..]))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var exited = process.WaitForExitAsync();
        var steps = 0;
        var guard = Stopwatch.StartNew();
        while (!exited.IsCompleted)
        {
            if (guard.Elapsed > Eventually.ShortestGuard * 2)
            {
                process.Kill();
                throw new TimeoutException($"{command[0]} still running after {guard.Elapsed.TotalSeconds:F0} s and {steps} steps");
            }

            await step(steps++);
            await Task.WhenAny(exited, Task.Delay(500));
        }

        await exited;
        return (steps, process.ExitCode, (await output).Trim(), (await error).Trim());
    }

    private static ProcessStartInfo StartInfo(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-h");
        start.ArgumentList.Add("127.0.0.1");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static async Task<(int Code, string Error)> RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(program, arguments))!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await error).Trim());
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using TwinGuard.Simulator.Running;
using TwinGuard.Simulator.Scenarios;

namespace TwinGuard.Simulator.Tests.Running;

/// <summary>
/// The scenario runner against a real broker, on the simulation clock: what it reports as published after a tick must
/// already be through the broker's publish interception (where TwinGuard's gate sits), or simulated time could move on
/// with a device's messages still in flight.
/// </summary>
public sealed class ScenarioRunnerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RunAsync_AfterEachTick_EveryPublishedMessageIsThroughTheBroker()
    {
        await using var broker = await TestBroker.StartAsync();
        // A flood in the window: 50 messages of one device to one asset in each of its ticks.
        var scenario = Shortened("flood", TimeSpan.FromSeconds(20), attackFrom: TimeSpan.FromSeconds(5), attackFor: TimeSpan.FromSeconds(3));
        var (result, ticks) = await RunCountingTicksAsync(broker, scenario);

        Assert.True(result.Completed);
        Assert.Equal(80, ticks.Count);
        Assert.All(ticks, t => Assert.True(t.Intercepted >= t.Published, $"{t.Published} published, {t.Intercepted} through the broker"));
        Assert.Equal(result.MessagesPublished, broker.Messages.Count);
        Assert.True(result.AttackMessagesPublished >= 12 * 50, $"{result.AttackMessagesPublished} flood messages");
        Assert.Equal(0, result.MessagesNotSent);

        // Sent at the same time across assets, in order within each device's asset: a twin refuses a sequence number
        // that does not rise.
        foreach (var group in broker.Messages.GroupBy(m => (m.UserName, Asset: m.Topic.Split('/')[1])))
        {
            var seqs = group.Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("seq").GetInt64()).ToList();
            Assert.True(seqs.Zip(seqs.Skip(1)).All(p => p.Second > p.First), $"{group.Key} out of order");
        }
    }

    [Fact]
    public async Task RunAsync_BrokerContainsADevice_CountsAsPublishedOnlyWhatTheBrokerTookIn()
    {
        await using var broker = await TestBroker.StartAsync();
        var contained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        broker.OnMessage = m =>
        {
            if (m.UserName == "tank-gateway" && broker.Messages.Count(x => x.UserName == "tank-gateway") == 20)
            {
                _ = broker.ContainAsync("tank-gateway").ContinueWith(_ => contained.TrySetResult(), TaskScheduler.Default);
            }
        };
        var scenario = Shortened("bias", TimeSpan.FromSeconds(20), attackFrom: TimeSpan.FromHours(1), attackFor: TimeSpan.FromSeconds(1));
        var (result, ticks) = await RunCountingTicksAsync(broker, scenario);
        await contained.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(result.Completed);
        Assert.All(ticks, t => Assert.True(t.Intercepted >= t.Published, $"{t.Published} published, {t.Intercepted} through the broker"));
        // Nothing lost in flight: every message was either taken in and counted, or counted as not sent. Only the one
        // message on the wire when the broker closed the connection may be taken in without its acknowledgement.
        var tank = broker.Messages.Count(m => m.UserName == "tank-gateway");
        Assert.InRange(broker.Messages.Count - result.MessagesPublished, 0, 1);
        Assert.Equal(80 * 6, result.MessagesPublished + result.MessagesNotSent);
        Assert.InRange(tank, 20, 30); // the containment lands a few ticks after the 20th message, however fast they go
        Assert.True(result.ConnectionsRefused >= 1, "the contained device was never refused a reconnection");
    }

    private static Scenario Shortened(string name, TimeSpan duration, TimeSpan attackFrom, TimeSpan attackFor)
    {
        var scenario = ScenarioLibrary.Embedded(name);
        return scenario with { Duration = duration, Attack = scenario.Attack with { Start = attackFrom, End = attackFrom + attackFor } };
    }

    /// <summary>Runs the scenario against the broker; after each tick notes how many messages the runner counted as
    /// published and how many the broker had taken in.</summary>
    private static async Task<(ScenarioRunResult Result, IReadOnlyCollection<(long Published, int Intercepted)> Ticks)> RunCountingTicksAsync(TestBroker broker, Scenario scenario)
    {
        var ticks = new ConcurrentQueue<(long Published, int Intercepted)>();
        await using var runner = new ScenarioRunner(scenario, new ScenarioRunOptions
        {
            Port = broker.Port,
            AfterTick = (published, _) =>
            {
                ticks.Enqueue((published, broker.Messages.Count));
                return ValueTask.CompletedTask;
            },
        }, new SimulationClock(Start));
        return (await runner.RunAsync(), ticks);
    }
}

using TwinGuard.Simulator.Running;

namespace TwinGuard.Simulator.Tests.Running;

public sealed class SimulationClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void GetUtcNow_NotAdvanced_StandsStill()
    {
        var clock = new SimulationClock(Start);
        Assert.Equal(Start, clock.GetUtcNow());
        var stamp = clock.GetTimestamp();
        Assert.Equal(stamp, clock.GetTimestamp());
        clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal(Start.AddMilliseconds(250), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromMilliseconds(250), clock.GetElapsedTime(stamp));
    }

    [Fact]
    public async Task Advance_PastDueTimers_FiresEachAtItsDueTimeInOrder()
    {
        var clock = new SimulationClock(Start);
        var fired = new List<(string Name, DateTimeOffset At)>();
        var all = new CountdownEvent(4);
        void Note(string name)
        {
            lock (fired)
            {
                fired.Add((name, clock.GetUtcNow()));
            }

            all.Signal();
        }

        using var late = clock.CreateTimer(_ => Note("late"), null, TimeSpan.FromMilliseconds(900), Timeout.InfiniteTimeSpan);
        using var periodic = clock.CreateTimer(_ => Note("periodic"), null, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300));
        using var never = clock.CreateTimer(_ => Note("never"), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await Task.Run(() => all.Wait(TimeSpan.FromSeconds(10))));
        Assert.Equal(Start.AddSeconds(1), clock.GetUtcNow());
        lock (fired)
        {
            Assert.Equal(["late", "periodic", "periodic", "periodic"], fired.Select(f => f.Name).Order(StringComparer.Ordinal));
            Assert.DoesNotContain(fired, f => f.Name == "never");
        }
    }

    [Fact]
    public async Task Delay_OnTheClock_CompletesOnlyWhenAdvancedPastIt()
    {
        var clock = new SimulationClock(Start);
        var delay = Task.Delay(TimeSpan.FromSeconds(5), clock);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(delay.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        await delay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(delay.IsCompletedSuccessfully);
    }

    [Fact]
    public void Dispose_Timer_IsNoLongerScheduled()
    {
        var clock = new SimulationClock(Start);
        var timer = clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        Assert.Equal(1, clock.ActiveTimers);
        timer.Dispose();
        Assert.Equal(0, clock.ActiveTimers);
    }

    [Fact]
    public void Advance_Negative_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulationClock(Start).Advance(TimeSpan.FromTicks(-1)));
}

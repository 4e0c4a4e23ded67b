using TwinGuard.Server.Commands;
using TwinGuard.Twins.Plant;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>A short <c>twinguard demo</c>: the simulator attacks a real serve host over real MQTT.</summary>
public sealed class DemoEndToEndTests
{
    /// <summary>
    /// The stated bound on false-alarm findings per hour of normal operation, with the simulator's realistic operating
    /// changes (set-point moves every 20-40 s). Measured at about 15,000/h on 2026-11-26: the per-signal streaming
    /// detectors cannot tell an operating change from a sensor attack; the twin relations (issue 8) are the fix.
    /// This bound only keeps that figure from getting worse.
    /// </summary>
    private const double FalseAlarmsPerHourBound = 40_000;

    [Fact]
    public async Task Demo_DefaultCampaign_DetectsEveryAttack()
    {
        var dataDir = Directory.CreateTempSubdirectory("twinguard-demo-test-").FullName;
        var options = new DemoOptions(
            TimeSpan.FromSeconds(60),
            Seed: 7,
            Simulator.Attacks.AttackNames.All,
            dataDir,
            PlantModelLoader.Load(ServedSite.SamplePlantPath));

        var summary = await DemoCommand.RunAsync(options, interactive: false, CancellationToken.None);

        Assert.True(summary.Completed);
        Assert.Equal(Simulator.Attacks.AttackNames.All.Order(), summary.Attacks.Select(a => a.Name).Order());
        Assert.All(summary.Attacks, a => Assert.True(a.Detected, $"{a.Name} on {a.Target} was not detected"));
        Assert.True(summary.FalseAlarmsPerHour < FalseAlarmsPerHourBound, $"{summary.FalseAlarmsPerHour:0} false alarms per hour");
        Assert.True(summary.Incidents > 0);
    }
}

using TwinGuard.Server.Commands;
using TwinGuard.Twins.Plant;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>A short <c>twinguard demo</c>: the simulator attacks a real serve host over real MQTT.</summary>
public sealed class DemoEndToEndTests
{
    /// <summary>
    /// The stated bound on false-alarm findings (every raw finding, before folding) per hour of normal operation, with
    /// the simulator's realistic operating changes (set-points move every 20-40 s). Measured at 2,400-3,300/h on
    /// 2026-11-26: the per-signal streaming detectors still flag the first samples of some set-point ramps; the twin
    /// relations (issue 8) are the fix. This bound keeps that figure from getting worse.
    /// </summary>
    private const double FalseAlarmsPerHourBound = 8_000;

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

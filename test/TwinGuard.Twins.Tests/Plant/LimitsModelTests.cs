using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Plant;

public sealed class LimitsModelTests
{
    private static PlantModel With(string sections) => PlantModelLoader.Parse(
        SamplePlant.Text.Replace("devices:\n", $"{sections}\ndevices:\n", StringComparison.Ordinal), "site.yaml");

    [Fact]
    public void Parse_NoSections_KeepsEveryDefault()
    {
        var plant = SamplePlant.Load();

        Assert.Equal(LimitsSettings.Default, plant.Limits);
        Assert.Equal(RetentionSettings.Default, plant.Retention);
        Assert.Equal(TimeSpan.FromSeconds(10), plant.Limits.RefusalFoldWindow);
    }

    [Fact]
    public void Parse_LimitsAndRetention_SetsOnlyWhatIsWritten()
    {
        var plant = With("""
            limits:
              refusal_fold_window: 30s
              mqtt: { max_connections: 4096, connect_timeout: 3s, connects_per_second: 2.5, failures_before_back_off: 0 }
            retention:
              interval: 10m
              refusals: { max_age: 30d, max_bytes: 256MiB }
              findings: { max_rows: 1000, max_age: none }
            """);

        Assert.Equal(TimeSpan.FromSeconds(30), plant.Limits.RefusalFoldWindow);
        Assert.Equal(4096, plant.Limits.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(3), plant.Limits.ConnectTimeout);
        Assert.Equal(2.5, plant.Limits.ConnectsPerSecond);
        Assert.Equal(0, plant.Limits.FailuresBeforeBackOff);
        Assert.Null(plant.Limits.MaxPendingConnections);
        Assert.Equal(TimeSpan.FromMinutes(10), plant.Retention.Interval);
        Assert.Equal(new RetentionRule(TimeSpan.FromDays(30), 256L << 20, null), plant.Retention.Refusals);
        Assert.Equal(new RetentionRule(null, null, 1000), plant.Retention.Findings);
        Assert.Equal(RetentionSettings.Default.Reports, plant.Retention.Reports);
    }

    [Fact]
    public void Parse_ModbusFoldWindowAndForwardQueueAge_SetThemAndDefaultsFollow()
    {
        var plant = With("""
            limits:
              refusal_fold_window: 30s
              modbus: { refusal_fold_window: 2m }
            retention:
              forward_queues: { max_age: 3d }
            """);
        var defaults = SamplePlant.Load();
        var followsMqtt = With("limits:\n  refusal_fold_window: 45s");
        var kept = With("retention:\n  forward_queues: { max_age: none }");

        Assert.Equal(TimeSpan.FromMinutes(2), plant.Limits.ModbusFoldWindow);
        Assert.Equal(TimeSpan.FromDays(3), plant.Retention.ForwardQueueMaxAge);
        Assert.Equal(TimeSpan.FromSeconds(10), defaults.Limits.ModbusFoldWindow);
        Assert.Equal(TimeSpan.FromDays(30), defaults.Retention.ForwardQueueMaxAge);
        Assert.Equal(TimeSpan.FromSeconds(45), followsMqtt.Limits.ModbusFoldWindow);
        Assert.Null(kept.Retention.ForwardQueueMaxAge);
    }

    [Theory]
    [InlineData("limits:\n  modbus: { fold: 5s }", "limits.modbus")]
    [InlineData("retention:\n  forward_queues: { max_bytes: 5MiB }", "retention.forward_queues")]
    [InlineData("limits:\n  mqtt: { max_conections: 5 }", "limits.mqtt")]
    [InlineData("limits:\n  mqtt: { max_connections: -1 }", "expected a whole number greater than 0")]
    [InlineData("limits:\n  refusal_fold_window: soon", "expected a positive duration")]
    [InlineData("retention:\n  refusals: { max_bytes: 12 parsecs }", "expected a size such as 4096, 64KiB")]
    [InlineData("retention:\n  queues: { max_age: 5d }", "retention")]
    [InlineData("retention:\n  reports: { max_files: 5 }", "retention.reports")]
    public void Parse_WrongValue_SaysWhereAndWhat(string sections, string expected)
    {
        var error = Assert.Throws<PlantModelException>(() => With(sections));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("site.yaml:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithSwitches_OverridesTheModel_KeepsTheRest()
    {
        var plant = With("limits:\n  mqtt: { max_connections: 4096, max_pending: 64 }");

        var switched = PlantModelLoader.WithSwitches(plant, ["limits.mqtt.max_connections=100", "retention.refusals.max_age=2d", "limits.refusal_fold_window=1m"]);

        Assert.Equal(100, switched.Limits.MaxConnections);
        Assert.Equal(64, switched.Limits.MaxPendingConnections);
        Assert.Equal(TimeSpan.FromMinutes(1), switched.Limits.RefusalFoldWindow);
        Assert.Equal(TimeSpan.FromDays(2), switched.Retention.Refusals.MaxAge);
        Assert.Equal(RetentionSettings.Default.Refusals.MaxBytes, switched.Retention.Refusals.MaxBytes);
    }

    [Theory]
    [InlineData("limits.mqtt.max_connections", "expected SECTION.KEY=VALUE")]
    [InlineData("limits.mqtt.max_connectionz=5", "limits.mqtt")]
    [InlineData("ledger.size=5", "ledger")]
    public void WithSwitches_WrongSwitch_SaysWhich(string assignment, string expected)
    {
        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.WithSwitches(SamplePlant.Load(), [assignment]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("--limit", error.Message, StringComparison.Ordinal);
    }
}

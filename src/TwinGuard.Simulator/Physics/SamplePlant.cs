using TwinGuard.Simulator.Devices;

namespace TwinGuard.Simulator.Physics;

/// <summary>The sample line of <c>samples/plant.yaml</c>: its signals and the devices that publish them.</summary>
public static class SamplePlant
{
    /// <summary>The sample period of every signal (the plant model's <c>period: 250ms</c>).</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    /// <summary>MQTT topic prefix (the plant model's <c>site.topic_prefix</c>).</summary>
    public const string TopicPrefix = "plant";

    /// <summary>Every signal, in a fixed order that <see cref="PlantPhysics"/> measures them in.</summary>
    public static readonly IReadOnlyList<PlantSignal> Signals =
    [
        new("pump1", "speed", "rpm", 0, 3200, 2000, 3.0, 0.1),
        new("pump1", "flow", "l/min", 0, 160, 120, 0.8, 0.01),
        new("pump1", "pressure", "bar", 0, 6, 4, 0.02, 0.001),
        new("pump1", "motor_current", "A", 0, 12, 20, 0.05, 0.001),
        new("pump1", "motor_voltage", "V", 200, 250, 40, 0.3, 0.01),
        new("pump1", "motor_temp", "degC", 0, 110, 5, 0.05, 0.01),
        new("pump1", "vibration", "g", 0, 2, 4, 0.02, 0.0001),
        new("valve_in", "opening", "%", 0, 100, 40, 0.1, 0.01),
        new("valve_out", "opening", "%", 0, 100, 40, 0.1, 0.01),
        new("tank1", "level", "m", 0, 2, 0.5, 0.0005, 0.0001),
        new("tank1", "fluid_temp", "degC", 0, 95, 2, 0.03, 0.01),
        new("conveyor1", "belt_speed", "m/s", 0, 3, 2, 0.005, 0.001),
        new("conveyor1", "motor_current", "A", 0, 15, 25, 0.04, 0.001),
        new("conveyor1", "motor_temp", "degC", 0, 110, 5, 0.05, 0.01),
    ];

    /// <summary>The sample devices with their demo passwords (<c>demo-&lt;device id&gt;</c>).</summary>
    public static readonly IReadOnlyList<DeviceProfile> Devices =
    [
        new("loop-plc", "demo-loop-plc", TimestampFormat.Rfc3339,
        [
            DevicePublication.Multi("pump1", "speed", "flow", "pressure", "motor_current", "motor_voltage", "motor_temp"),
            DevicePublication.Multi("valve_in", "opening"),
            DevicePublication.Multi("valve_out", "opening"),
        ]),
        new("tank-gateway", "demo-tank-gateway", TimestampFormat.UnixMilliseconds,
        [
            DevicePublication.Multi("tank1", "level", "fluid_temp"),
        ]),
        new("vibration-node", "demo-vibration-node", TimestampFormat.UnixMilliseconds,
        [
            DevicePublication.Single("pump1", "vibration"),
        ]),
        new("conveyor-plc", "demo-conveyor-plc", TimestampFormat.Rfc3339,
        [
            DevicePublication.Multi("conveyor1", "belt_speed", "motor_current", "motor_temp"),
        ]),
    ];

    /// <summary>The index of a signal in <see cref="Signals"/>.</summary>
    /// <exception cref="ArgumentException">The plant has no such signal.</exception>
    public static int IndexOf(string assetId, string signalId)
    {
        for (var i = 0; i < Signals.Count; i++)
        {
            if (Signals[i].AssetId == assetId && Signals[i].SignalId == signalId)
            {
                return i;
            }
        }

        throw new ArgumentException($"the sample plant has no signal {assetId}.{signalId}", nameof(signalId));
    }

    /// <summary>The distinct asset ids, in catalog order.</summary>
    public static IReadOnlyList<string> Assets { get; } = Signals.Select(s => s.AssetId).Distinct().ToArray();
}

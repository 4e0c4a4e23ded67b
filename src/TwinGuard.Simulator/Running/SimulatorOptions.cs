using TwinGuard.Simulator.Attacks;
using TwinGuard.Simulator.Devices;
using TwinGuard.Simulator.Physics;

namespace TwinGuard.Simulator.Running;

/// <summary>What <see cref="SimulatorRunner"/> runs and where it connects.</summary>
public sealed record SimulatorOptions
{
    /// <summary>Broker host.</summary>
    /// <value>127.0.0.1.</value>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Broker port.</summary>
    /// <value>1883.</value>
    public int Port { get; init; } = 1883;

    /// <summary>Seed of the physics and the campaign: the same seed gives the same run.</summary>
    /// <value>1.</value>
    public int Seed { get; init; } = 1;

    /// <summary>How long the run lasts.</summary>
    /// <value>60 s.</value>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The attacks to stage, by name (<see cref="AttackNames.Parse"/> reads <c>all|none|a,b</c>).</summary>
    /// <value>All of them.</value>
    public IReadOnlyList<string> Attacks { get; init; } = AttackNames.All;

    /// <summary>The plant's devices and their credentials.</summary>
    /// <value>The sample plant's devices with their demo passwords.</value>
    public IReadOnlyList<DeviceProfile> Devices { get; init; } = SamplePlant.Devices;

    /// <summary>Normal-operation behaviour of the plant.</summary>
    /// <value>Set-point changes and conveyor stops enabled.</value>
    public PlantPhysicsOptions Physics { get; init; } = new();

    /// <summary>Timeout of each connection attempt.</summary>
    /// <value>5 s.</value>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Prefix of the MQTT client ids (<c>&lt;prefix&gt;-&lt;device id&gt;</c>).</summary>
    /// <value><c>twinguard-sim</c>.</value>
    public string ClientIdPrefix { get; init; } = "twinguard-sim";

    /// <summary>Called with a one-line note on notable events (attack start and end, refused connections).</summary>
    /// <value>None.</value>
    public Action<string>? OnEvent { get; init; }
}

namespace TwinGuard.Simulator.Running;

/// <summary>Where <see cref="ScenarioRunner"/> connects and how it keeps pace with the pipeline.</summary>
public sealed record ScenarioRunOptions
{
    /// <summary>Broker host.</summary>
    /// <value>127.0.0.1.</value>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Broker port.</summary>
    /// <value>1883.</value>
    public int Port { get; init; } = 1883;

    /// <summary>Seed of the plant's noise and operating changes and of the attack: the same seed gives the same run.</summary>
    /// <value>1.</value>
    public int Seed { get; init; } = 1;

    /// <summary>Timeout of each connection attempt, in real time.</summary>
    /// <value>5 s.</value>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The attacker's machine, as the broker sees it: where a credential thief and an unknown device connect from (so
    /// that a probe and a later use of stolen credentials come from one address, as in a real intrusion).
    /// </summary>
    /// <value>127.0.0.2 (on Linux the whole 127/8 is loopback).</value>
    public System.Net.IPAddress ThiefAddress { get; init; } = System.Net.IPAddress.Parse("127.0.0.2");

    /// <summary>
    /// Called after each tick's messages are sent, with how many messages the broker has acknowledged so far (every
    /// device publishes at QoS 1 in a scenario run, so each of them has been through the broker's publish interception):
    /// returns once the pipeline has taken them in, so that simulated time only moves on when it has kept up.
    /// </summary>
    /// <value>Returns at once.</value>
    public Func<long, CancellationToken, ValueTask> AfterTick { get; init; } = static (_, _) => ValueTask.CompletedTask;

    /// <summary>Called with a one-line note on notable events (attack start and end, refused connections).</summary>
    /// <value>None.</value>
    public Action<string>? OnEvent { get; init; }
}

namespace TwinGuard.Simulator.Physics;

/// <summary>How lively the simulated plant's normal operation is.</summary>
public sealed record PlantPhysicsOptions
{
    /// <summary>
    /// A plant held at one operating point (no set-point changes, conveyor always running): only noise and slow
    /// supply-voltage wander. For runs that must isolate attacks from process changes.
    /// </summary>
    public static PlantPhysicsOptions Steady { get; } = new() { SetPointChanges = false, ConveyorCycling = false };

    /// <summary>Whether the operators change set-points (pump speed, inlet valve, tank level, belt speed).</summary>
    /// <value>True.</value>
    public bool SetPointChanges { get; init; } = true;

    /// <summary>Shortest and longest time between two set-point changes of one loop.</summary>
    /// <value>20 s to 40 s.</value>
    public (TimeSpan Min, TimeSpan Max) SetPointInterval { get; init; } = (TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40));

    /// <summary>Whether the conveyor is stopped and started again now and then.</summary>
    /// <value>True.</value>
    public bool ConveyorCycling { get; init; } = true;

    /// <summary>Shortest and longest time the conveyor runs before it is stopped.</summary>
    /// <value>60 s to 150 s.</value>
    public (TimeSpan Min, TimeSpan Max) ConveyorRunTime { get; init; } = (TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(150));

    /// <summary>Shortest and longest time the conveyor stays stopped.</summary>
    /// <value>15 s to 30 s.</value>
    public (TimeSpan Min, TimeSpan Max) ConveyorStopTime { get; init; } = (TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30));
}

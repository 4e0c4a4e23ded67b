namespace TwinGuard.Detection.Profiling;

/// <summary>How a column behaved in the training window.</summary>
public enum ColumnKind
{
    /// <summary>Varies around a stable level: every feature is used.</summary>
    Continuous,

    /// <summary>One value throughout training.</summary>
    Constant,

    /// <summary>A few distinct values (a set-point, a mode, a count).</summary>
    Discrete,

    /// <summary>Its level trends through the training window: only level-free features are used.</summary>
    Drifting,
}

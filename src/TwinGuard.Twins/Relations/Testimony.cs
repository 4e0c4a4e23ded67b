namespace TwinGuard.Twins.Relations;

/// <summary>What a relation says of its inputs when another relation that shares one of them asks (blame isolation).</summary>
public enum Testimony
{
    /// <summary>Nothing either way: not warm yet, unknown, dynamic, or between quiet and disturbed.</summary>
    None,

    /// <summary>It agrees closely with its inputs: none of them is likely to be lying.</summary>
    Vouches,

    /// <summary>It is violated or its residual has moved: one of its inputs may be lying.</summary>
    Disturbed,
}

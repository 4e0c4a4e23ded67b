namespace TwinGuard.Twins.Compliance;

/// <summary>What the evidence says about one control of a standard.</summary>
public enum ControlStatus
{
    /// <summary>Every piece of evidence the catalogue names holds.</summary>
    Met,

    /// <summary>Some holds, or TwinGuard covers only part of the control (the gap says what else is needed).</summary>
    PartlyMet,

    /// <summary>None of the evidence holds.</summary>
    NotMet,

    /// <summary>Outside what TwinGuard does; the catalogue says why.</summary>
    OutsideScope,
}

namespace TwinGuard.Twins.Plant;

/// <summary>What a signal is, which decides the checks that make sense for it.</summary>
public enum SignalKind
{
    /// <summary>A measured process value (the default): every check applies.</summary>
    Measurement,

    /// <summary>
    /// A set-point (or another command value a PLC exposes, such as a run bit): it holds still for hours and changes in
    /// steps when an operator moves it. Holding still is not a frozen sensor, a step is neither a rate violation nor a
    /// statistical outlier, so those checks are skipped; range, operating band, staleness and the Modbus guard's write
    /// rules still apply.
    /// </summary>
    SetPoint,
}

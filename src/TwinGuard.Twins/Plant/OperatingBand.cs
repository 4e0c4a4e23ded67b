using System.Globalization;

namespace TwinGuard.Twins.Plant;

/// <summary>
/// The band a signal's value must stay in while the process runs normally: its operating limits, inside the valid range
/// of the instrument. A value outside it is credible (it is not refused) but the process is somewhere it should not be:
/// a set-point driven too far, an overheating motor, a tank filled beyond its working level.
/// </summary>
/// <remarks>
/// Like a process alarm in ISA-18.2: a limit with an on-delay (the value must stay outside for <see cref="Delay"/>
/// before it is reported, so noise and short transients are not) and an off-delay (it must stay back inside as long
/// before another excursion can be reported).
/// </remarks>
/// <param name="Low">Lowest normal value; null when only the high limit matters.</param>
/// <param name="High">Highest normal value; null when only the low limit matters.</param>
/// <param name="Delay">How long the value must stay outside (or back inside) before the excursion counts (or ends).</param>
public sealed record OperatingBand(double? Low, double? High, TimeSpan Delay)
{
    /// <summary>The on-delay used when neither the signal nor the plant model's <c>validation:</c> section gives one.</summary>
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(5);

    /// <summary>True when <paramref name="value"/> is within the band (its limits included).</summary>
    public bool Contains(double value) => !(value < Low) && !(value > High);

    /// <summary>How far outside the band <paramref name="value"/> is, in the signal's unit; 0 inside.</summary>
    public double Excess(double value) =>
        Low is { } low && value < low ? low - value
        : High is { } high && value > high ? value - high
        : 0;

    /// <summary>The band as written in the plant model, e.g. <c>[0.7, 1.3]</c> or <c>[-, 85]</c>.</summary>
    public override string ToString() => $"[{Limit(Low)}, {Limit(High)}]";

    private static string Limit(double? limit) => limit is { } l ? l.ToString("G6", CultureInfo.InvariantCulture) : "-";
}

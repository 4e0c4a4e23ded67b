namespace TwinGuard.Twins.Plant;

/// <summary>Site-wide settings of the validation stage.</summary>
/// <param name="MaxFutureSkew">A timestamp further ahead of the server clock than this is refused.</param>
/// <param name="MaxPastSkew">A timestamp further behind than this is refused.</param>
/// <param name="FloodFactor">More than this multiple of a device's expected message rate is a flood.</param>
/// <param name="FrozenSamples">This many identical consecutive values make a frozen sensor.</param>
public sealed record ValidationSettings(TimeSpan MaxFutureSkew, TimeSpan MaxPastSkew, double FloodFactor, int FrozenSamples)
{
    /// <summary>The values used when the plant model leaves them out.</summary>
    public static ValidationSettings Default { get; } = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), 4, 40);

    /// <summary>How long a value must stay outside its signal's operating band before it is reported (a signal's own
    /// <c>operating.delay</c> overrides it).</summary>
    /// <value>5 s.</value>
    public TimeSpan OperatingDelay { get; init; } = OperatingBand.DefaultDelay;

    /// <summary>How long a device whose flood went on is refused at CONNECT after its connection is closed
    /// (<c>FloodGuard</c>); null (<c>flood_cut_off: off</c>) when a flooder is only held, never cut off.</summary>
    /// <value>30 s.</value>
    /// <remarks>Off is for a site whose devices must never be cut off by the broker itself (a playbook still can), and
    /// for measuring what a flood that lasts costs the other devices: a held flooder is read at its allowed rate.</remarks>
    public TimeSpan? FloodCutOff { get; init; } = DefaultFloodCutOff;

    /// <summary>The default of <see cref="FloodCutOff"/>.</summary>
    public static TimeSpan DefaultFloodCutOff => TimeSpan.FromSeconds(30); // computed: Default above is built before a static field here would be
}

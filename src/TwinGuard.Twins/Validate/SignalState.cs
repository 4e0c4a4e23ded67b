namespace TwinGuard.Twins.Validate;

/// <summary>What the twin knows about one signal: the last value it trusted and what validation needs to remember.</summary>
/// <remarks>A mutable struct held in an array by the twin: no allocation per reading. Persisted with the twin's learned
/// state (<c>TwinStreamState</c>), so the field ids are part of the stored format: add, never renumber.</remarks>
[GenerateSerializer]
[Alias("twinguard.signal-state")]
internal struct SignalState
{
    /// <summary>Last-known-good value: the last value that passed validation.</summary>
    [Id(0)]
    public double Value;

    /// <summary>Device timestamp (epoch ms) of <see cref="Value"/>; 0 before the first.</summary>
    [Id(1)]
    public long ValueTimeMs;

    /// <summary>Server clock (epoch ms) when any value of this signal last arrived.</summary>
    [Id(2)]
    public long LastSeenMs;

    /// <summary>The last value received, accepted or not, for frozen-value detection.</summary>
    [Id(3)]
    public double LastRaw;

    /// <summary>How many consecutive identical values have arrived.</summary>
    [Id(4)]
    public int Repeats;

    /// <summary>A stale finding has been raised and the signal has not come back since.</summary>
    [Id(5)]
    public bool StaleRaised;

    /// <summary>A frozen finding has been raised and the value has not changed since.</summary>
    [Id(6)]
    public bool FrozenRaised;

    /// <summary>Device time (epoch ms) since which the value has been outside its operating band; 0 while inside.</summary>
    [Id(7)]
    public long OutsideBandSinceMs;

    /// <summary>Device time (epoch ms) since which the value has been back inside its operating band after an excursion was reported.</summary>
    [Id(8)]
    public long InsideBandSinceMs;

    /// <summary>An excursion from the operating band has been reported and the value has not been back inside for the band's delay since.</summary>
    [Id(9)]
    public bool BandRaised;

    /// <summary>The current trust of the signal.</summary>
    [Id(10)]
    public SignalTrust Trust;

    /// <summary>True once a value has been accepted.</summary>
    public readonly bool HasValue => ValueTimeMs != 0;
}

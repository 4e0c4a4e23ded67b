namespace TwinGuard.Twins.Twin;

/// <summary>
/// What a <see cref="TwinCore"/> asks of the twin that runs it (the site's <see cref="TwinGrain"/>, the edge's asset
/// twin): where an accepted value goes on to, and whether the twin relations explain a signal's changes.
/// </summary>
internal interface ITwinCoreHost
{
    /// <summary>
    /// A value reached the trusted state (after its signal's detectors saw it): hand it on to the relations that read it,
    /// and keep or forward it as the host does.
    /// </summary>
    void Accepted(int signalIndex, long timestampMs, double value, string deviceId);

    /// <summary>
    /// True when the physics explains the signal's changes: at least one of its relations holds (or, violated, blames
    /// another input) and none blames this signal.
    /// </summary>
    bool IsExplainedByRelations(int signalIndex);
}

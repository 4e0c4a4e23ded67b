namespace TwinGuard.Twins.Detect;

/// <summary>A window of a confirmed attack on an asset whose states are never learned (<see cref="DetectorTuning.Exclude"/>).</summary>
/// <param name="AssetId">The asset.</param>
/// <param name="FromMs">Start of the window (Unix ms, inclusive).</param>
/// <param name="ToMs">End of the window (Unix ms, inclusive).</param>
public sealed record LearningExclusion(string AssetId, long FromMs, long ToMs)
{
    /// <summary>True when a reading of this time falls in the window.</summary>
    public bool Covers(long timestampMs) => timestampMs >= FromMs && timestampMs <= ToMs;
}

namespace TwinGuard.Detection.Pipeline;

/// <summary>The counters of an <see cref="OnlineAnomalyDetector"/>'s stream (see <see cref="OnlineCheckpoint"/>).</summary>
/// <param name="Refits">Refits adopted after the first fit.</param>
/// <param name="RefitsRefused">Refits refused by the anchor check.</param>
/// <param name="ConsecutiveRefusals">Refits refused in a row.</param>
/// <param name="Learned">Rows learned after the warm-up.</param>
/// <param name="SinceFit">Rows since the last refit started.</param>
/// <param name="SinceFlag">Rows since the last flagged one.</param>
/// <param name="Rebaselining">An operator's rebaseline is in progress.</param>
/// <param name="FlaggedRun">Rows flagged in a row (towards <see cref="OnlineLearningOptions.AcceptAfter"/>).</param>
/// <param name="AdoptedLate">Refits adopted after their row because their fit was not done by then (<see cref="OnlineAnomalyDetector.AdoptedLate"/>).</param>
public readonly record struct OnlineCounters(
    int Refits, int RefitsRefused, int ConsecutiveRefusals, long Learned, int SinceFit, long SinceFlag, bool Rebaselining, int FlaggedRun = 0, int AdoptedLate = 0);

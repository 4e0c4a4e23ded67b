namespace TwinGuard.Server.Offline;

/// <summary>One file's raw NAB score under one profile, before the corpus normalisation.</summary>
/// <param name="Score">Sum of the windows' rewards (or misses) and the false alarms' costs.</param>
/// <param name="Windows">Windows scored (those with at least one row after the probation).</param>
/// <param name="Detected">Windows with an alarm inside.</param>
/// <param name="FalseAlarms">Alarms outside every window, after the probation.</param>
internal sealed record NabFileScore(double Score, int Windows, int Detected, int FalseAlarms);

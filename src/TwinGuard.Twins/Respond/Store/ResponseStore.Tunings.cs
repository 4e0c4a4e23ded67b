using TwinGuard.Twins.Detect;
using static TwinGuard.Twins.Record.SqliteCommands;

namespace TwinGuard.Twins.Respond;

/// <summary>
/// Thresholds analysts' verdicts raised, and windows of confirmed attacks never learned (<see cref="DetectorTuning"/>),
/// kept across restarts.
/// </summary>
public sealed partial class ResponseStore
{
    /// <summary>Stores a signal's raised factor (replacing the one before), with the verdict that raised it.</summary>
    public void SetThresholdRaise(string assetId, string signalId, double factor, string by, string why, long findingId) =>
        _db.Execute(
            """
            INSERT INTO threshold_raises (asset, signal, factor, actor, why, finding_id, time_ms) VALUES (@a, @s, @f, @b, @w, @i, @t)
            ON CONFLICT(asset, signal) DO UPDATE SET factor = @f, actor = @b, why = @w, finding_id = @i, time_ms = @t
            """,
            ("@a", assetId), ("@s", signalId), ("@f", factor), ("@b", by), ("@w", why), ("@i", findingId), ("@t", _time.GetUtcNow().ToUnixTimeMilliseconds()));

    /// <summary>Puts a signal's thresholds back as configured; false when they were not raised.</summary>
    public bool ResetThresholdRaise(string assetId, string signalId) =>
        _db.Execute("DELETE FROM threshold_raises WHERE asset = @a AND signal = @s", ("@a", assetId), ("@s", signalId)) == 1;

    /// <summary>
    /// Stores a window of a confirmed attack whose states an asset never learns, with the verdict's author and reason;
    /// at most <see cref="DetectorTuning.MaxExcludedWindows"/> per asset are kept, the oldest giving way (as in memory).
    /// </summary>
    public void AddLearningExclusion(LearningExclusion window, string by, string why, long? incidentId)
    {
        _db.Execute(
            """
            INSERT INTO learning_exclusions (asset, from_ms, to_ms, actor, why, incident_id, time_ms) VALUES (@a, @f, @t, @b, @w, @i, @n)
            """,
            ("@a", window.AssetId), ("@f", window.FromMs), ("@t", window.ToMs), ("@b", by), ("@w", why), ("@i", incidentId), ("@n", _time.GetUtcNow().ToUnixTimeMilliseconds()));
        _db.Execute(
            "DELETE FROM learning_exclusions WHERE asset = @a AND id NOT IN (SELECT id FROM learning_exclusions WHERE asset = @a ORDER BY id DESC LIMIT @k)",
            ("@a", window.AssetId), ("@k", DetectorTuning.MaxExcludedWindows));
    }

    /// <summary>Every window of a confirmed attack never learned, oldest first (the next start restores them).</summary>
    public IReadOnlyList<LearningExclusion> LearningExclusions() =>
        _db.Query("SELECT asset, from_ms, to_ms FROM learning_exclusions ORDER BY id", r => new LearningExclusion(r.GetString(0), r.GetInt64(1), r.GetInt64(2)));

    /// <summary>Every raised threshold.</summary>
    public IReadOnlyList<SignalTuning> ThresholdRaises() =>
        _db.Query("SELECT asset, signal, factor FROM threshold_raises ORDER BY asset, signal", r => new SignalTuning(r.GetString(0), r.GetString(1), r.GetDouble(2)));
}

using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Relations;

namespace TwinGuard.Twins.Twin;

/// <summary>The digital twin of one asset, keyed by the asset's id.</summary>
[Alias("twinguard.twin")]
public interface ITwinGrain : IGrainWithStringKey
{
    /// <summary>Validates a batch of messages that passed the gate, updates the trusted state and runs the detectors.</summary>
    /// <returns>
    /// Once the sequence numbers the batch made the twin accept are kept: the verdict on each message, by position; null
    /// when every message was accepted.
    /// </returns>
    [Alias("ingest")]
    Task<TwinVerdict[]?> IngestAsync(ReadingMessage[] batch);

    /// <summary>The twin's current state: last-known-good values, expected values and trust per signal.</summary>
    [Alias("snapshot")]
    Task<TwinSnapshot> GetSnapshotAsync();

    /// <summary>A relation that reads this asset's signals changed state or culprit (sent by the relation grain on changes
    /// only): while the relations of a signal hold (or blame another input), the physics explains its changes.</summary>
    /// <remarks>Not one-way, so that a caller that awaits it knows the twin has taken it into account; the relation grain
    /// does not await it, so neither side ever waits for the other.</remarks>
    /// <param name="relationId">The relation.</param>
    /// <param name="state">Its new state.</param>
    /// <param name="culprit">While violated, the <c>asset.signal</c> it blames; null otherwise.</param>
    [Alias("relation-state")]
    Task RelationStateChangedAsync(string relationId, RelationState state, string? culprit);

    /// <summary>Up to <paramref name="max"/> of the newest trusted readings of a signal, oldest first; null for an unknown signal.</summary>
    [Alias("history")]
    Task<SignalHistory?> GetHistoryAsync(string signalId, int max);

    /// <summary>
    /// Accepts that the asset's normal operation has changed (an analyst's decision): its multivariate model learns the
    /// next warm-up window whatever its verdicts and anchors there. False when the asset has no multivariate model.
    /// </summary>
    [Alias("rebaseline")]
    Task<bool> RebaselineAsync();

    /// <summary>
    /// An analyst confirmed an attack on this asset between <paramref name="from"/> and <paramref name="to"/>: the
    /// states of that time are never learned. Those the multivariate model had learned for its next refit are forgotten
    /// (returned: how many), and readings still to come with a timestamp in the window are scored but not learned.
    /// </summary>
    [Alias("exclude-from-learning")]
    Task<int> ExcludeFromLearningAsync(DateTimeOffset from, DateTimeOffset to);
}

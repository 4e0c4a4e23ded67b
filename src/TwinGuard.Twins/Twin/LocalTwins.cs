using System.Collections.Concurrent;
using TwinGuard.Twins.Gate;

namespace TwinGuard.Twins.Twin;

/// <summary>
/// The twins activated on this silo, so that the dispatcher can hand a batch straight to its twin on the thread that
/// brought it, instead of through a grain call.
/// </summary>
/// <remarks>
/// <para>Why: a grain call is two thread-pool work items (the message, then the activation's turn). On a busy machine each
/// waits for a core (p99 3 ms on this project's 2-core machine, <c>bench ingest</c>'s hop figure): the whole tail of
/// arrival-to-finding. Orleans' documentation calls leaving its scheduler an advanced step that gives up the turn-based
/// guarantee, so the twin gives it back itself: every entry into it (these batches, its grain calls, its timers)
/// takes the twin's lock, one at a time, as Orleans' turns did.</para>
/// <para>A twin registers once activated and leaves before it deactivates. A batch for a twin that is not here (not yet
/// activated, activated on another silo, leaving, or following a plant model reload) goes through the grain as before,
/// which also activates it.</para>
/// </remarks>
public sealed class LocalTwins
{
    private readonly ConcurrentDictionary<string, TwinGrain> _twins = new(StringComparer.Ordinal);

    /// <summary>Twins registered now.</summary>
    public int Count => _twins.Count;

    /// <summary>Runs <paramref name="batch"/> through the twin of <paramref name="assetId"/> on the caller's thread.</summary>
    /// <param name="assetId">The asset.</param>
    /// <param name="batch">Its messages.</param>
    /// <param name="verdicts">Where the twin's verdict on each message goes, by position (empty: nobody asks).</param>
    /// <returns>False when the twin is not here: send the batch through the grain.</returns>
    /// <remarks>The batch is read during the call only (the dispatcher's buffer, reused for its next batch).</remarks>
    public bool TryIngest(string assetId, ReadOnlySpan<ReadingMessage> batch, Span<TwinVerdict> verdicts = default) =>
        _twins.TryGetValue(assetId, out var twin) && twin.TryIngestHere(batch, verdicts);

    /// <summary>The twin of <paramref name="assetId"/> registered here, or null: for tests that look inside a running twin.</summary>
    internal TwinGrain? Find(string assetId) => _twins.GetValueOrDefault(assetId);

    internal void Add(string assetId, TwinGrain twin) => _twins[assetId] = twin;

    internal void Remove(string assetId, TwinGrain twin) => _twins.TryRemove(new KeyValuePair<string, TwinGrain>(assetId, twin));
}

using TwinGuard.Twins.Twin;

namespace TwinGuard.Twins.Cluster;

/// <summary>
/// The cluster's quarantine list: one activation per site (Orleans' single activation), its state in the cluster's
/// grain storage so that it survives the silo it runs on. Changes are numbered in the order they arrive; silos waiting in
/// <see cref="WaitForChangesAsync"/> are answered as soon as a change is durable.
/// </summary>
/// <remarks>Bounded: at most <see cref="KeptChanges"/> recent changes and <see cref="MaxHolds"/> holds are kept.</remarks>
internal sealed class ClusterQuarantineGrain(
    [PersistentState("quarantine", TwinPersistence.StorageName)] IPersistentState<ClusterQuarantineState> state)
    : Grain, IClusterQuarantineGrain
{
    /// <summary>Changes kept for silos that are behind; one further behind gets the holds instead.</summary>
    public const int KeptChanges = 1024;

    /// <summary>Most holds kept (the oldest addition gives way: containment is also kept in each silo's own store).</summary>
    public const int MaxHolds = 100_000;

    /// <summary>Longest long poll.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(20);

    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<long> PublishAsync(QuarantineChange[] changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var current = state.State;
        var version = current.Version;
        var holds = new List<QuarantineChange>(current.Holds);
        var recent = new List<QuarantineChange>(current.Recent);
        foreach (var change in changes)
        {
            var numbered = change with { Version = ++version };
            recent.Add(numbered);
            if (ClusterQuarantineState.IsHold(change.Kind))
            {
                holds.RemoveAll(h => h.Kind == change.Kind && string.Equals(h.Target, change.Target, StringComparison.Ordinal));
                holds.Add(numbered);
            }
            else if (ClusterQuarantineState.Lifts(change.Kind) is { } lifted)
            {
                holds.RemoveAll(h => h.Kind == lifted && string.Equals(h.Target, change.Target, StringComparison.Ordinal));
            }
        }

        state.State = new ClusterQuarantineState
        {
            Version = version,
            Holds = holds.Count > MaxHolds ? holds[^MaxHolds..] : holds,
            Recent = recent.Count > KeptChanges ? recent[^KeptChanges..] : recent,
        };
        await state.WriteStateAsync();
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.SetResult();
        return version;
    }

    public async Task<QuarantineUpdate> WaitForChangesAsync(long afterVersion, TimeSpan maxWait)
    {
        if (state.State.Version == afterVersion)
        {
            // Bounded below Orleans' response timeout (30 s), whatever the caller asks.
            await Task.WhenAny(_changed.Task, Task.Delay(TimeSpan.FromTicks(Math.Clamp(maxWait.Ticks, 0, MaxWait.Ticks))));
        }

        // A silo ahead of this state (it knew a state lost since) or further behind than the kept changes gets the holds.
        var current = state.State;
        var oldestKept = current.Recent.Count > 0 ? current.Recent[0].Version : current.Version + 1;
        if (afterVersion > current.Version || oldestKept > afterVersion + 1)
        {
            return new QuarantineUpdate(current.Version, [.. current.Holds], IsSnapshot: true);
        }

        return new QuarantineUpdate(current.Version, [.. current.Recent.Where(c => c.Version > afterVersion)], IsSnapshot: false);
    }
}

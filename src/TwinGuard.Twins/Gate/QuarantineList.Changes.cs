namespace TwinGuard.Twins.Gate;

/// <summary>Changes made here, for a cluster to pass on, and changes made on another silo, applied here.</summary>
public sealed partial class QuarantineList
{
    /// <summary>
    /// Raised after each change made on this list (not for <see cref="Apply"/>): an addition or release that changed
    /// something, with the target (<c>asset/signal</c> for a signal). A cluster passes it to every other silo.
    /// </summary>
    public event Action<QuarantineChangeKind, string>? ChangedLocally;

    /// <summary>
    /// Applies a change decided on another silo without raising <see cref="ChangedLocally"/> (it is not passed on again).
    /// Returns false when it changed nothing (already in force, or a <see cref="QuarantineChangeKind.Disconnect"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A signal target that is not <c>asset/signal</c>.</exception>
    public bool Apply(QuarantineChangeKind kind, string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (kind is QuarantineChangeKind.AddSignal or QuarantineChangeKind.ReleaseSignal && target.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
        {
            throw new ArgumentException($"a signal is asset/signal, found '{target}'", nameof(target));
        }

        return kind switch
        {
            QuarantineChangeKind.AddDevice => _devices.TryAdd(target, 0),
            QuarantineChangeKind.ReleaseDevice => _devices.TryRemove(target, out _),
            QuarantineChangeKind.AddAsset => _assets.TryAdd(target, 0),
            QuarantineChangeKind.ReleaseAsset => _assets.TryRemove(target, out _),
            QuarantineChangeKind.AddSignal => AddSignalKey(target),
            QuarantineChangeKind.ReleaseSignal => RemoveSignalKey(target),
            QuarantineChangeKind.RevokeCredentials => _revoked.TryAdd(target, 0),
            QuarantineChangeKind.RestoreCredentials => _revoked.TryRemove(target, out _),
            _ => false,
        };
    }

    private bool Changed(bool changed, QuarantineChangeKind kind, string target)
    {
        if (changed)
        {
            ChangedLocally?.Invoke(kind, target);
        }

        return changed;
    }
}

namespace TwinGuard.Twins.Plant;

/// <summary>The plant model in force: the one loaded at start, then each valid file a reload applied.</summary>
/// <remarks>
/// Stages read <see cref="Current"/> where they decide (the gate per message, the authenticator per CONNECT, a twin
/// or relation grain at its next call, which compares <see cref="Generation"/>), so a reload needs no restart and no
/// lock on the hot path: the model and its generation are swapped together as one immutable snapshot.
/// </remarks>
public sealed class PlantModelSource
{
    private Snapshot _snapshot;

    /// <summary>Starts with <paramref name="initial"/> as generation 0.</summary>
    public PlantModelSource(PlantModel initial) => _snapshot = new Snapshot(initial, 0);

    /// <summary>The model in force.</summary>
    public PlantModel Current => Volatile.Read(ref _snapshot).Model;

    /// <summary>0 for the model loaded at start, one more for each applied reload.</summary>
    public int Generation => Volatile.Read(ref _snapshot).Generation;

    /// <summary>Raised after a new model is in force, with the previous and the new one.</summary>
    public event Action<PlantModel, PlantModel>? Changed;

    /// <summary>A source that never changes (a model built in code, a test).</summary>
    public static implicit operator PlantModelSource(PlantModel model) => FromModel(model);

    /// <summary>A source that starts with <paramref name="model"/>.</summary>
    public static PlantModelSource FromModel(PlantModel model) => new(model);

    /// <summary>The model and its generation, read together.</summary>
    public (PlantModel Model, int Generation) Read()
    {
        var snapshot = Volatile.Read(ref _snapshot);
        return (snapshot.Model, snapshot.Generation);
    }

    /// <summary>Puts <paramref name="model"/> in force (it must have been checked completely) and tells the listeners.</summary>
    public void Apply(PlantModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Snapshot previous, next;
        do
        {
            previous = Volatile.Read(ref _snapshot);
            next = new Snapshot(model, previous.Generation + 1);
        }
        while (Interlocked.CompareExchange(ref _snapshot, next, previous) != previous);

        Changed?.Invoke(previous.Model, model);
    }

    private sealed record Snapshot(PlantModel Model, int Generation);
}

using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Twin;

/// <summary>The twin's side of a plant model reload: it rebuilds itself from the model in force at its next call.</summary>
internal sealed partial class TwinGrain
{
    private int _generation;
    private DetectionSettings? _builtDetection;

    /// <summary>
    /// Rebuilds the twin when a reload put a new model in force since the last call: new ranges, periods, operating
    /// bands and relations apply from this batch on; what was learned of a signal whose declaration did not change is
    /// kept, and the last accepted sequence numbers carry over. An asset the new model no longer has keeps its old
    /// declaration (the gate routes nothing to it any more) and the activation ends when idle.
    /// </summary>
    private void FollowReload()
    {
        if (plants.Generation == _generation)
        {
            return;
        }

        var (model, generation) = plants.Read();
        _generation = generation;
        if (model.FindAsset(_asset.Id) is not { } asset)
        {
            DeactivateOnIdle();
            return;
        }

        var previous = _asset;
        _plant = model;
        Build(asset, previous);
    }

    /// <summary>
    /// False for a message the gate routed with the previous model whose signal positions the new one no longer has
    /// (a reload during traffic that removed signals): dropped rather than read out of bounds.
    /// </summary>
    private bool FitsModel(ReadingMessage message)
    {
        foreach (var value in message.Values)
        {
            if ((uint)value.SignalIndex >= (uint)_core.Signals.Length)
            {
                return false;
            }
        }

        return true;
    }
}

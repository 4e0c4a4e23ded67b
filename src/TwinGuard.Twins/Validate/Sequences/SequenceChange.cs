namespace TwinGuard.Twins.Validate;

/// <summary>The last numbers a twin accepted from one device for one asset, on their way to an <see cref="ISequenceTable"/>.</summary>
public readonly record struct SequenceChange(string AssetId, string DeviceId, long Boot, long Sequence)
{
    /// <summary>Whether (<paramref name="boot"/>, <paramref name="sequence"/>) comes after (<paramref name="heldBoot"/>, <paramref name="heldSequence"/>): a later boot, or a later sequence within one boot.</summary>
    public static bool IsLater(long boot, long sequence, long heldBoot, long heldSequence) =>
        boot > heldBoot || (boot == heldBoot && sequence > heldSequence);
}

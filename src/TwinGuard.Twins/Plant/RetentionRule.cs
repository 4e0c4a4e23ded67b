namespace TwinGuard.Twins.Plant;

/// <summary>How much of one kind of evidence is kept: the oldest goes first once any bound is passed.</summary>
/// <param name="MaxAge">Older than this is removed; null: no bound by age.</param>
/// <param name="MaxBytes">Beyond this many bytes (newest kept) is removed; null: no bound by size.</param>
/// <param name="MaxRows">Beyond this many rows or files (newest kept) is removed; null: no bound by count.</param>
public sealed record RetentionRule(TimeSpan? MaxAge, long? MaxBytes, long? MaxRows)
{
    /// <summary>Keeps everything.</summary>
    public static RetentionRule KeepAll { get; } = new(null, null, null);

    /// <summary>True when no bound is set.</summary>
    public bool IsKeepAll => MaxAge is null && MaxBytes is null && MaxRows is null;
}

using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Record;

/// <summary>Retention of the <c>refusals</c> and <c>findings</c> tables (<see cref="RecordRetention"/>, shared with PostgreSQL).</summary>
public sealed partial class PlantStore
{
    /// <inheritdoc />
    public (long Cut, IReadOnlyList<string> Bounds) RetentionCut(string table, RetentionRule rule, DateTimeOffset now) => RecordRetention.Cut(_connection, table, rule, now);

    /// <inheritdoc />
    public PrunedRange? CollectPruned(string table, long cut, IReadOnlyList<string> bounds, int batch) => RecordRetention.Collect(_connection, table, cut, bounds, batch);

    /// <inheritdoc />
    public long DeletePruned(PrunedRange range) => RecordRetention.Delete(_connection, range);
}

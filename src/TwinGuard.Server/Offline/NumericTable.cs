using TwinGuard.Detection;

namespace TwinGuard.Server.Offline;

/// <summary>The numeric feature columns of a CSV file, with the time column kept as text.</summary>
/// <param name="File">Where it was read from (for messages).</param>
/// <param name="ColumnNames">Names of the feature columns, in matrix order.</param>
/// <param name="Values">One row per data line.</param>
/// <param name="Times">The time column's text per row, or null when no time column was named.</param>
/// <param name="Extra">Other columns that were asked for by name (e.g. labels), as numbers, by name.</param>
internal sealed record NumericTable(
    string File,
    IReadOnlyList<string> ColumnNames,
    FeatureMatrix Values,
    IReadOnlyList<string>? Times,
    IReadOnlyDictionary<string, double[]> Extra)
{
    /// <summary>The name of the time column, when one was read.</summary>
    public string? TimeColumnName { get; init; }
}

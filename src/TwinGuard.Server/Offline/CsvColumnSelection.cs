namespace TwinGuard.Server.Offline;

/// <summary>Which columns of a CSV file are read, and how.</summary>
/// <param name="Delimiter">The field separator; null detects it from the header (',' then ';' then tab).</param>
/// <param name="TimeColumn">A column kept as text and echoed to the output, not used as a feature.</param>
/// <param name="Columns">Feature columns to use; null means every column except the time and excluded ones.</param>
/// <param name="ExcludeColumns">Columns to leave out.</param>
internal sealed record CsvColumnSelection(
    char? Delimiter = null,
    string? TimeColumn = null,
    IReadOnlyList<string>? Columns = null,
    IReadOnlyList<string>? ExcludeColumns = null);

namespace TwinGuard.Twins.Plant;

/// <summary>A plant model file that cannot be used, with where and why.</summary>
/// <remarks>The message reads <c>FILE:LINE:COLUMN: FIELD: expected WHAT[, found VALUE]</c>, like a compiler's.</remarks>
public sealed class PlantModelException(string file, int line, int column, string field, string problem)
    : FormatException($"{file}:{line}:{column}: {field}: {problem}")
{
    /// <summary>The file.</summary>
    public string File { get; } = file;

    /// <summary>1-based line.</summary>
    public int Line { get; } = line;

    /// <summary>1-based column.</summary>
    public int Column { get; } = column;

    /// <summary>The dotted path of the field, e.g. <c>assets[2].signals[0].range</c>.</summary>
    public string Field { get; } = field;
}

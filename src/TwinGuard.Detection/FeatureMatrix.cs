namespace TwinGuard.Detection;

/// <summary>A dense row-major matrix of feature values: one row per observation, one column per feature.</summary>
/// <remarks>
/// The detectors read rows as spans straight out of <see cref="Values"/>, so a matrix built over an existing array
/// costs no copy. Values are doubles because plant signals (pressures in bar, currents in mA) are compared at full
/// precision against split points and thresholds.
/// </remarks>
public sealed class FeatureMatrix
{
    /// <summary>Wraps <paramref name="values"/> (row-major, <paramref name="rows"/> × <paramref name="columns"/>).</summary>
    public FeatureMatrix(double[] values, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if ((long)rows * columns != values.Length)
        {
            throw new ArgumentException($"{values.Length} values do not form {rows} rows of {columns} columns", nameof(values));
        }

        Values = values;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Creates a zero matrix.</summary>
    public FeatureMatrix(int rows, int columns)
        : this(new double[checked(rows * columns)], rows, columns)
    {
    }

    /// <summary>The values, row after row.</summary>
    public double[] Values { get; }

    /// <summary>Number of rows (observations).</summary>
    public int Rows { get; }

    /// <summary>Number of columns (features).</summary>
    public int Columns { get; }

    /// <summary>Row <paramref name="index"/>.</summary>
    public Span<double> Row(int index) => Values.AsSpan(index * Columns, Columns);

    /// <summary>The value at (<paramref name="row"/>, <paramref name="column"/>).</summary>
    public double this[int row, int column]
    {
        get => Values[(row * Columns) + column];
        set => Values[(row * Columns) + column] = value;
    }

    /// <summary>Builds a matrix from jagged rows of equal length.</summary>
    public static FeatureMatrix FromRows(IReadOnlyList<double[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("at least one row is needed", nameof(rows));
        }

        var columns = rows[0].Length;
        var matrix = new FeatureMatrix(rows.Count, columns);
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != columns)
            {
                throw new ArgumentException($"row {i} has {rows[i].Length} values, row 0 has {columns}", nameof(rows));
            }

            rows[i].CopyTo(matrix.Row(i));
        }

        return matrix;
    }

    /// <summary>A copy of rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
    public FeatureMatrix Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, Rows);
        var values = Values.AsSpan(start * Columns, count * Columns).ToArray();
        return new FeatureMatrix(values, count, Columns);
    }
}

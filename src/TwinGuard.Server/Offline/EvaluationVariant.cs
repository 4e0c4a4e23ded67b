namespace TwinGuard.Server.Offline;

/// <summary>
/// A departure from <c>detect</c>'s defaults that an evaluation measures: pieces switched off (<c>--without</c>) and an
/// extreme-value threshold switched on (<c>--alarm-rate</c>). The rows of the contribution table in docs/detection.md.
/// </summary>
/// <param name="Without">Pieces switched off (<see cref="PipelinePieces.Names"/>).</param>
/// <param name="AlarmRate">Target false alarms per 1,000 normal rows, or null for the preset's threshold.</param>
internal sealed record EvaluationVariant(IReadOnlyList<string> Without, double? AlarmRate)
{
    /// <summary>The variant of the command-line values, or null when they ask for the defaults.</summary>
    /// <exception cref="DetectRequestException">A piece is unknown.</exception>
    public static EvaluationVariant? From(IReadOnlyList<string>? without, double? alarmRate)
    {
        var pieces = PipelinePieces.Parse(without);
        return pieces.Count == 0 && alarmRate is null ? null : new EvaluationVariant(pieces, alarmRate);
    }

    /// <summary>What the result's name gains, e.g. <c> --without companion</c>.</summary>
    public string Label => (Without.Count > 0 ? " --without " + string.Join(",", Without) : string.Empty)
        + (AlarmRate is { } rate ? FormattableString.Invariant($" --alarm-rate {rate}") : string.Empty);

    /// <summary><paramref name="request"/> with this variant.</summary>
    public DetectRequest Apply(DetectRequest request) => PipelinePieces.Apply(request, Without) with { AlarmRate = AlarmRate };
}

namespace TwinGuard.Server.Offline;

/// <summary>The arguments of <c>twinguard detect</c>.</summary>
/// <param name="Input">The CSV file to score.</param>
/// <param name="Output">Where the scored rows go.</param>
/// <param name="TrainFile">A separate CSV file of normal rows to train on.</param>
/// <param name="TrainRows">Train on the first N rows of the input.</param>
/// <param name="Online">Learn as it goes, from a warm-up window onwards.</param>
/// <param name="WarmUp">Rows in the online warm-up window.</param>
/// <param name="Selection">Delimiter, time column and feature columns.</param>
/// <param name="Detector">A detector preset name.</param>
/// <param name="Seed">Seed for the randomised detectors.</param>
/// <param name="LevelFree">Columns to treat as level-free instead of inferring it (empty: none), or null to infer.</param>
/// <param name="AcceptAfter">With --online: flagged rows in a row after which a new operating point is accepted (0: never; null: 4 warm-ups).</param>
/// <param name="Period">A period in rows for every column instead of inferring it (0: none), or null to infer.</param>
/// <param name="AlarmRate">Target false alarms per 1,000 normal rows (an extreme-value threshold), or null for the preset's threshold.</param>
/// <param name="Without">Pieces of the pipeline switched off (<see cref="PipelinePieces"/>; the evaluations' <c>--without</c>, not a <c>detect</c> option).</param>
internal sealed record DetectRequest(
    string Input,
    string Output,
    string? TrainFile,
    int? TrainRows,
    bool Online,
    int WarmUp,
    CsvColumnSelection Selection,
    string Detector,
    ulong Seed,
    IReadOnlyList<string>? LevelFree = null,
    int? Period = null,
    int? AcceptAfter = null,
    double? AlarmRate = null,
    IReadOnlyList<string>? Without = null)
{
    /// <summary>The --accept-after in force: 4 warm-up windows unless given.</summary>
    public int AcceptAfterRows => AcceptAfter ?? (4 * WarmUp);
}

using TwinGuard.Detection;

namespace TwinGuard.Server.Offline;

/// <summary>One SKAB experiment file: sensor rows with their timestamps and labels.</summary>
/// <param name="Name">The file relative to <c>data/</c> without extension, e.g. <c>valve1/0</c>.</param>
/// <param name="Seconds">Each row's timestamp in seconds (the file's <c>datetime</c>, 1 s sampling with gaps).</param>
/// <param name="Sensors">The eight sensor columns.</param>
/// <param name="SensorNames">Their names, in column order.</param>
/// <param name="Anomaly">The <c>anomaly</c> label per row (1 inside the experiment's anomalous segment).</param>
/// <param name="ChangePoint">The <c>changepoint</c> label per row.</param>
internal sealed record SkabExperiment(
    string Name,
    long[] Seconds,
    FeatureMatrix Sensors,
    IReadOnlyList<string> SensorNames,
    int[] Anomaly,
    int[] ChangePoint);

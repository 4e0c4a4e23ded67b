namespace TwinGuard.Server.Offline;

/// <summary>A published detector's normalised NAB scores on the development corpus (copied from its README).</summary>
internal sealed record NabPublishedResult(string Name, double Standard, double LowFalsePositives, double LowFalseNegatives)
{
    /// <summary>../shared/datasets/nab-dev/README.md, "Published detectors on these 51 files".</summary>
    public static IReadOnlyList<NabPublishedResult> All { get; } =
    [
        new("ARTime", 77.00, 67.70, 82.26),
        new("contextOSE", 75.41, 72.65, 77.84),
        new("Numenta HTM", 72.97, 65.83, 76.82),
        new("HTM Java", 68.17, 55.83, 72.59),
        new("Skyline (earthgecko)", 63.15, 49.82, 69.25),
        new("KNN-CAD", 60.49, 46.44, 66.79),
        new("relative entropy", 55.57, 49.22, 59.38),
        new("Random Cut Forest", 53.41, 42.74, 62.08),
        new("Twitter ADVec", 51.05, 35.99, 58.09),
        new("windowed Gaussian", 44.80, 23.02, 53.58),
        new("random", 14.34, 4.91, 23.65),
        new("never alarms", 0, 0, 0),
    ];
}

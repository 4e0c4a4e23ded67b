namespace TwinGuard.Server.Commands;

/// <summary>One scenario at one intensity over its runs (seeds): how often detected, and median times in seconds.</summary>
internal sealed record SimulateScenarioSummary(
    string Scenario,
    string Kind,
    double Intensity,
    bool WithinRange,
    int Detected,
    int Runs,
    double? MedianTimeToDetectSeconds,
    double? MedianTimeToContainSeconds,
    IReadOnlyList<string> DetectedBy);

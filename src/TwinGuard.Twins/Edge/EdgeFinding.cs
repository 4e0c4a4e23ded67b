namespace TwinGuard.Twins.Edge;

/// <summary>A finding of an edge, as it travels to the site (reason and severity by their names in the API).</summary>
public sealed record EdgeFinding(
    long Time,
    string Reason,
    string Severity,
    string? Asset,
    string? Signal,
    string? Device,
    double? Value,
    double Score,
    string Message,
    string? RemoteAddress);

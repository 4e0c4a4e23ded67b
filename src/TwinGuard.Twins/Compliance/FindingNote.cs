namespace TwinGuard.Twins.Compliance;

/// <summary>What a report needs of one <c>finding</c> entry.</summary>
public sealed record FindingNote(long Index, DateTimeOffset Time, string Reason, string Severity, string? Asset, string? Device);

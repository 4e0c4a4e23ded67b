namespace TwinGuard.Twins.Findings;

/// <summary>One thing the pipeline noticed: a refusal at the gate, a failed validation, or a detector's alarm.</summary>
/// <param name="Time">When it was noticed (server clock).</param>
/// <param name="Reason">Why.</param>
/// <param name="Severity">How urgent.</param>
/// <param name="AssetId">The asset concerned, when known.</param>
/// <param name="SignalId">The signal concerned, when known.</param>
/// <param name="DeviceId">The source concerned, when known (for an unknown source: the user name it presented).</param>
/// <param name="Value">The offending value, when there is one.</param>
/// <param name="Score">Strength of the evidence: a z-score, a CUSUM level, a model score; 0 when not applicable.</param>
/// <param name="Message">One human-readable line.</param>
/// <param name="Explanation">What drove the decision (e.g. the signals that contributed most), when available.</param>
[GenerateSerializer, Immutable, Alias("twinguard.finding")]
public sealed record Finding(
    [property: Id(0)] DateTimeOffset Time,
    [property: Id(1)] ReasonCode Reason,
    [property: Id(2)] Severity Severity,
    [property: Id(3)] string? AssetId,
    [property: Id(4)] string? SignalId,
    [property: Id(5)] string? DeviceId,
    [property: Id(6)] double? Value,
    [property: Id(7)] double Score,
    [property: Id(8)] string Message,
    [property: Id(9)] string? Explanation = null)
{
    /// <summary>Arrival timestamp (pipeline clock) of the reading that caused this finding, for latency measurement; 0 when none.</summary>
    [Id(10)]
    public long ArrivalTimestamp { get; init; }

    /// <summary>How many occurrences this finding stands for, once repeated ones are folded together.</summary>
    [Id(11)]
    public int Occurrences { get; init; } = 1;

    /// <summary>The network address of the client the finding is about (no port), when the transport knows it.</summary>
    [Id(12)]
    public string? RemoteAddress { get; init; }

    /// <summary>
    /// For a refusal of an unauthenticated client: the address block it connected from (<see cref="AddressBlock"/>).
    /// Folding and incidents then group by the block, not by the user name the client chose.
    /// </summary>
    [Id(13)]
    public string? SourceBlock { get; init; }

    /// <summary>The source that folding and correlation group this finding by: <c>block:NETWORK</c>, else the device.</summary>
    public string? GroupingSource => SourceBlock is { } block ? "block:" + block : DeviceId;
}

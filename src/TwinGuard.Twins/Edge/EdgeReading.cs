namespace TwinGuard.Twins.Edge;

/// <summary>The values of one message an edge's gate and twin accepted.</summary>
/// <param name="Asset">The asset.</param>
/// <param name="Device">The device that published it to the edge.</param>
/// <param name="Sequence">The device's sequence number.</param>
/// <param name="Boot">The device's restart counter.</param>
/// <param name="Timestamp">Sample time, Unix epoch milliseconds.</param>
/// <param name="Values">Accepted values by signal id (refused values are not forwarded: the edge's findings say why).</param>
public sealed record EdgeReading(string Asset, string Device, long Sequence, long Boot, long Timestamp, IReadOnlyDictionary<string, double> Values);

namespace TwinGuard.Server.Bench;

/// <summary>How long work items queued on the thread pool waited to start during a measurement (<see cref="HopProbe"/>).</summary>
/// <param name="P50Ms">Median wait.</param>
/// <param name="P99Ms">99th percentile wait.</param>
/// <param name="Samples">Items queued (about one per millisecond).</param>
internal sealed record HopWaits(double P50Ms, double P99Ms, long Samples);

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// Tests that play a campaign in real time (the demo) and the multi-process cluster, which takes both cores while it
/// runs: run alone, after the parallel tests, so that a late reading in one is not the other's CPU.
/// </summary>
[CollectionDefinition(nameof(RealTimeCollection), DisableParallelization = true)]
public sealed class RealTimeCollection;

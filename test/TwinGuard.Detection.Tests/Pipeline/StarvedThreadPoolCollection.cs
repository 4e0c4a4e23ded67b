namespace TwinGuard.Detection.Tests.Pipeline;

/// <summary>Tests that cap this process's thread pool: they run alone, after the others, so that no other test waits on it.</summary>
[CollectionDefinition(nameof(StarvedThreadPoolCollection), DisableParallelization = true)]
public sealed class StarvedThreadPoolCollection;

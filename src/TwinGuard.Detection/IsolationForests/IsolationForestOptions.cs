namespace TwinGuard.Detection.IsolationForests;

/// <summary>Parameters of an <see cref="IsolationForest"/>.</summary>
public sealed record IsolationForestOptions
{
    /// <summary>Number of isolation trees, t.</summary>
    /// <value>100, the paper's default (ICDM 2008, §4.1: path lengths converge well before t = 100).</value>
    public int Trees { get; init; } = 100;

    /// <summary>Sub-sampling size ψ: rows drawn without replacement to grow each tree.</summary>
    /// <value>256 (ICDM 2008, §4.1).</value>
    public int SubsampleSize { get; init; } = 256;

    /// <summary>Tree height limit; null means ceiling(log2 ψ) as in the paper.</summary>
    public int? HeightLimit { get; init; }

    /// <summary>Seed of the random choices (sub-samples, split attributes and split values).</summary>
    /// <value>42.</value>
    public ulong Seed { get; init; } = 42;

    /// <summary>Threads used by fitting and batch scoring; 1 runs on the caller's thread, 0 uses every core.</summary>
    /// <value>1.</value>
    public int MaxDegreeOfParallelism { get; init; } = 1;

    /// <summary>How batch scoring walks the trees; all choices give bit-identical scores.</summary>
    /// <value><see cref="TreeTraversal.Auto"/>.</value>
    public TreeTraversal Traversal { get; init; } = TreeTraversal.Auto;
}

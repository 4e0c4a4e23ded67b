namespace TwinGuard.Detection.IsolationForests;

/// <summary>How batch scoring walks rows through the trees.</summary>
public enum TreeTraversal
{
    /// <summary>The fastest measured: <see cref="TreeMajor"/> (see docs/detection.md).</summary>
    Auto,

    /// <summary>Row-major: eight interleaved scalar walks go through every tree before the next eight rows.</summary>
    Scalar,

    /// <summary>AVX2 gathers: two vectors of four rows per tree.</summary>
    Avx2Gather,

    /// <summary>Tree-major over L1-sized blocks of rows: twelve interleaved scalar walks per tree.</summary>
    TreeMajor,
}

namespace TwinGuard.Detection.IsolationForests;

/// <summary>How batch scoring walks rows through the trees.</summary>
public enum TreeTraversal
{
    /// <summary>The fastest available on this CPU (measured: see docs/detection.md).</summary>
    Auto,

    /// <summary>Eight interleaved scalar walks per tree.</summary>
    Scalar,

    /// <summary>AVX2 gathers: two vectors of four rows per tree.</summary>
    Avx2Gather,
}

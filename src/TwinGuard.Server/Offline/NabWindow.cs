namespace TwinGuard.Server.Offline;

/// <summary>A labelled NAB anomaly window as row indices of its file.</summary>
/// <param name="Start">First row inside the window.</param>
/// <param name="End">Last row inside the window (inclusive).</param>
internal readonly record struct NabWindow(int Start, int End)
{
    /// <summary>Rows in the window.</summary>
    public int Width => End - Start + 1;
}

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace TwinGuard.Ledger.Storage;

/// <summary>
/// Makes a file's written bytes durable with <c>fdatasync(2)</c> on Linux: unlike <c>fsync</c> it does not wait for
/// the inode's timestamps, so an overwrite inside space already allocated and synced (a segment's reserved tail,
/// a witness's state slots) costs one data flush and no journal commit. A change of the file's size is still flushed.
/// Elsewhere it is <see cref="RandomAccess.FlushToDisk"/>.
/// </summary>
internal static partial class DataSync
{
    /// <exception cref="IOException">The kernel reports the write lost (the caller must write again, not sync again).</exception>
    public static void Flush(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }

        if (fdatasync(handle) != 0)
        {
            // Never retried with fsync: after a failed flush Linux may drop the dirty pages and report the next one a success.
            throw new IOException($"fdatasync failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(SafeFileHandle fd);
}

using System.Runtime.InteropServices;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// Files TwinGuard makes are its own: the process's umask is 077, and the data directory is owner-only
/// (<c>rwx------</c>), whoever made it before.
/// </summary>
/// <remarks>
/// The database holds refused payloads and who came knocking, the ledger the site's history, <c>operator.db</c> the
/// key hashes, reports the incidents: nothing another local account should read. POSIX.1-2017 <c>umask()</c>: the mask
/// applies to every file and directory the process creates from then on (SQLite's WAL and journal files included).
/// </remarks>
internal static class OwnerOnlyFiles
{
    private const uint OwnerOnlyMask = 0b000_111_111; // 077

    /// <summary>Sets the process's umask to 077 (no-op on Windows, whose ACLs inherit from the directory).</summary>
    public static void ApplyUmask()
    {
        if (!OperatingSystem.IsWindows())
        {
            _ = Umask(OwnerOnlyMask);
        }
    }

    /// <summary>Creates <paramref name="directory"/> owner-only, or takes group and other access away from an existing one.</summary>
    public static void SecureDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var info = Directory.CreateDirectory(directory, OwnerOnly);
        if ((info.UnixFileMode & ~OwnerOnly) != 0)
        {
            File.SetUnixFileMode(directory, OwnerOnly);
        }
    }

    // DllImport, not LibraryImport: a blittable call needs no marshalling, and the project stays free of unsafe code.
    [DllImport("libc", EntryPoint = "umask")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint Umask(uint mask);
}

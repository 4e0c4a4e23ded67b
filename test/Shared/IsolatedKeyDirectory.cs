using System.Runtime.CompilerServices;

namespace TwinGuard.Testing;

/// <summary>
/// Gives every test process its own ledger key directory (<c>TWINGUARD_KEY_DIR</c>), removed when the process exits, so
/// that the sites the tests start neither leave key files under the user's <c>~/.config/twinguard</c> nor meet keys a
/// previous run left there. Executables the tests start inherit the variable. A value already set is kept.
/// </summary>
/// <remarks>Linked from <c>test/Shared</c> into the projects that start sites.</remarks>
internal static class IsolatedKeyDirectory
{
#pragma warning disable CA2255 // A test assembly is the application here: the variable must be set before any test builds a host.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        if (Environment.GetEnvironmentVariable("TWINGUARD_KEY_DIR") is { Length: > 0 })
        {
            return;
        }

        var directory = Directory.CreateTempSubdirectory("twinguard-test-keys-").FullName;
        Environment.SetEnvironmentVariable("TWINGUARD_KEY_DIR", directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A child process may still hold a file; the directory is under the temporary folder.
            }
            catch (UnauthorizedAccessException)
            {
                // As above.
            }
        };
    }
}

using TwinGuard.Server.Dashboard;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Access;

/// <summary>What <c>serve</c> and <c>demo</c> print once the host is up: where the dashboard is, and where a first admin key was written on a fresh data directory.</summary>
/// <remarks>
/// The token goes to an owner-only file (0600) in the data directory, never to the output: a service's stdout ends up in
/// journald or a container log, readable by whoever reads logs.
/// </remarks>
internal static class FirstAdminKey
{
    /// <summary>The file the first admin key's token is written to, in the data directory.</summary>
    public const string FileName = "first-admin.key";

    /// <summary>Prints the dashboard's URL; makes an admin key when the data directory has none, writes its token to <see cref="FileName"/> and prints that path.</summary>
    /// <returns>The file holding the new key's token, or null when admin keys already existed.</returns>
    public static string? Announce(IServiceProvider services, HostSettings settings, TextWriter output)
    {
        output.WriteLine($"Dashboard: {DashboardEndpoints.Url(settings.Urls)}  (API: {DashboardEndpoints.Url(settings.Urls)}api, OpenAPI: {DashboardEndpoints.Url(settings.Urls)}openapi/v1.json)");
        var keys = services.GetRequiredService<ApiKeyStore>();
        if (!keys.HasNoAdmin())
        {
            output.WriteLine($"Log in with an API key; make one with: twinguard keys create --role operator --name NAME --data-dir {settings.DataDirectory}");
            return null;
        }

        var made = keys.Create("first-admin", ApiRole.Admin, null, "serve");
        var path = Path.Combine(settings.DataDirectory, FileName);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new StreamWriter(path, options))
        {
            file.WriteLine(made.Token);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite); // a file left from an earlier run
        }

        output.WriteLine($"First admin key written to {path} (owner-only; read it, then delete the file; revoke with `twinguard keys revoke {made.Key.Id}`)");
        return path;
    }
}

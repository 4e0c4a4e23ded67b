using TwinGuard.Server.Dashboard;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Access;

/// <summary>What <c>serve</c> and <c>demo</c> print once the host is up: where the dashboard is, and a first admin key on a fresh data directory.</summary>
internal static class FirstAdminKey
{
    /// <summary>Prints the dashboard's URL; makes and prints an admin key when the data directory has none.</summary>
    /// <returns>The new key's token, or null when admin keys already existed.</returns>
    public static string? Announce(WebApplication app, HostSettings settings, TextWriter output)
    {
        output.WriteLine($"Dashboard: {DashboardEndpoints.Url(settings.Urls)}  (API: {DashboardEndpoints.Url(settings.Urls)}api, OpenAPI: {DashboardEndpoints.Url(settings.Urls)}openapi/v1.json)");
        var keys = app.Services.GetRequiredService<ApiKeyStore>();
        if (!keys.HasNoAdmin())
        {
            output.WriteLine($"Log in with an API key; make one with: twinguard keys create --role operator --name NAME --data-dir {settings.DataDirectory}");
            return null;
        }

        var made = keys.Create("first-admin", ApiRole.Admin, null, "serve");
        output.WriteLine($"First admin key (shown once, keep it safe; revoke with `twinguard keys revoke {made.Key.Id}`): {made.Token}");
        return made.Token;
    }
}

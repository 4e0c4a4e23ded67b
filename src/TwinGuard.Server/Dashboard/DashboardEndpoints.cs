using Microsoft.Extensions.FileProviders;

namespace TwinGuard.Server.Dashboard;

/// <summary>
/// Serves the dashboard's static files (HTML, JavaScript, CSS, uPlot) from the <c>dashboard/</c> folder of the build
/// output at <c>/</c>. The files hold no plant data: everything the page shows comes from the API with the key the
/// operator pastes in, so they are served without a key. Nothing is fetched from the internet.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>The folder beside the executable that holds the dashboard.</summary>
    public static string Root => Path.Combine(AppContext.BaseDirectory, "dashboard");

    /// <summary>The dashboard's address for a host listening on <paramref name="urls"/>.</summary>
    public static string Url(string urls) => urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0].TrimEnd('/') + "/";

    public static WebApplication MapDashboard(this WebApplication app)
    {
        if (!Directory.Exists(Root))
        {
            return app; // a build without the dashboard (no npm): the API still works
        }

        var files = new PhysicalFileProvider(Root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                // Only this origin's scripts, styles and API; no framing (clickjacking of the approve buttons).
                headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-cache";
            },
        });
        return app;
    }
}

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// The web server of a site whose <c>listeners:</c> name no <c>http</c>/<c>https</c> socket: it opens none. Kestrel
/// given no endpoint falls back to http://localhost:5000, a socket the configuration never asked for.
/// </summary>
internal sealed class NoWebServer : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}

using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// A site on 127.0.0.1 ports from <see cref="LoopbackPorts"/> (broker, API, silo, gateway), as the demo, simulate, the
/// benchmarks and the tests start one: started again on new ports when one was taken before the host bound it.
/// </summary>
internal static class LoopbackSite
{
    /// <summary>Settings for <paramref name="plant"/> with every socket on a free loopback port (picked anew at each call).</summary>
    public static HostSettings Settings(PlantModel plant, string dataDirectory) => new(
        plant,
        dataDirectory,
        new BrokerOptions(IPAddress.Loopback, LoopbackPorts.Free()),
        string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{LoopbackPorts.Free()}"),
        LoopbackPorts.Free(),
        LoopbackPorts.Free());

    /// <summary>
    /// Builds and starts a host on the settings <paramref name="settings"/> makes; when a port was taken meanwhile (another
    /// process may take it between being found free and being bound: CI runs test processes side by side) the host is
    /// disposed and built again on the settings a new call makes (<see cref="LoopbackPorts.StartOnFreePortsAsync{T}"/>).
    /// </summary>
    /// <param name="settings">Makes the settings, with ports picked anew at each call.</param>
    /// <param name="start">Starts the built host (<c>StartAsync</c> by default); may first configure its services.</param>
    public static Task<(WebApplication App, HostSettings Settings)> StartAsync(Func<HostSettings> settings, Func<WebApplication, Task>? start = null) =>
        LoopbackPorts.StartOnFreePortsAsync(async () =>
        {
            var onPorts = settings();
            var app = TwinGuardHost.Build(onPorts);
            try
            {
                await (start is null ? app.StartAsync() : start(app));
                return (app, onPorts);
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
        });
}

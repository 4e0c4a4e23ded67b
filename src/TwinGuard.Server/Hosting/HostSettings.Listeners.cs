using System.Net;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Ingest.Mqtt.PreLogin;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Hosting;

/// <summary>Where a site's sockets come from: the plant model's <c>listeners:</c>, or serve's defaults.</summary>
internal sealed partial record HostSettings
{
    /// <summary>
    /// The settings of <c>serve</c>: with a <c>listeners:</c> section exactly its sockets; without one, plain MQTT on
    /// 127.0.0.1 and ::1 at <paramref name="mqttPort"/> and the API at <paramref name="urls"/>.
    /// </summary>
    public static HostSettings ForSite(PlantModel plant, string dataDirectory, string urls, int mqttPort)
    {
        if (plant.Listeners is not { } listeners)
        {
            return new HostSettings(plant, dataDirectory, BrokerOptions.OnLoopback(mqttPort) with { Tls = plant.Tls, Limits = PreLoginLimits.Default.With(plant.Limits) }, urls);
        }

        var web = listeners.Where(l => !l.IsMqtt).ToList();
        return new HostSettings(
            plant,
            dataDirectory,
            new BrokerOptions(IPAddress.Loopback, BrokerOptions.DefaultPort) { Listeners = listeners, Tls = plant.Tls, Limits = PreLoginLimits.Default.With(plant.Limits) },
            Hosting.WebListeners.DisplayUrls(web))
        {
            WebListeners = web,
        };
    }
}

using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Hosting;

/// <summary>Registers the OPC UA subscribers of the plant model's <c>opcua:</c> section.</summary>
internal static class OpcUaHosting
{
    /// <summary>Adds the service that subscribes to the plant's OPC UA servers, when it has any.</summary>
    /// <remarks>Register after the pipeline service: the host stops services in reverse order, so OPC UA stops feeding
    /// the gate before the pipeline drains.</remarks>
    public static IServiceCollection AddOpcUa(this IServiceCollection services, PlantModel plant)
    {
        if (plant.OpcUa.Devices.Count > 0)
        {
            services.AddSingleton<OpcUaService>();
            services.AddHostedService(sp => sp.GetRequiredService<OpcUaService>());
        }

        return services;
    }
}

using TwinGuard.Ingest.Modbus;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Hosting;

/// <summary>Registers Modbus polling and the inline guards of the plant model's <c>modbus:</c> section.</summary>
internal static class ModbusHosting
{
    /// <summary>Adds <see cref="ModbusMetrics"/> and, when the plant has Modbus devices, the service that polls and guards them.</summary>
    /// <remarks>Register after the pipeline service: the host stops services in reverse order, so Modbus stops feeding
    /// the gate before the pipeline drains.</remarks>
    public static IServiceCollection AddModbus(this IServiceCollection services, PlantModel plant)
    {
        services.AddSingleton<ModbusMetrics>();
        if (plant.Modbus.Devices.Count > 0)
        {
            services.AddSingleton<ModbusService>();
            services.AddHostedService(sp => sp.GetRequiredService<ModbusService>());
        }

        return services;
    }
}

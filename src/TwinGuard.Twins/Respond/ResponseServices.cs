using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Respond;

/// <summary>Registers the respond stage in a host.</summary>
public static class ResponseServices
{
    /// <summary>
    /// Adds the response plan, quarantine store, access restrictions, network enforcer, notifiers, report writer and
    /// <see cref="ResponseEngine"/> (as a hosted service: register before the service that starts the broker, so that
    /// quarantines are restored before the first device connects). The host must also register an
    /// <see cref="IBrokerEnforcement"/>.
    /// </summary>
    public static IServiceCollection AddResponse(this IServiceCollection services, ResponsePlan plan, string dataDirectory)
    {
        services.AddSingleton(plan);
        services.AddSingleton<AccessRestrictions>();
        services.AddSingleton(sp => ResponseStore.Open(dataDirectory, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<INetworkEnforcer>(_ => plan.Network.Apply
            ? new NftablesEnforcer(plan.Network.Table, plan.Network.Namespace)
            : new DryRunNetworkEnforcer(plan.Network.Table));
        services.AddSingleton(new IncidentReportWriter(dataDirectory));
        services.AddSingleton(_ => new HttpClient { Timeout = TimeSpan.FromSeconds(10) });
        services.AddSingleton(sp => Notifiers.Create(plan, dataDirectory, sp.GetRequiredService<HttpClient>()));
        services.AddSingleton(sp => new ResponseEngine(
            plan,
            sp.GetRequiredService<PlantModel>(),
            sp.GetRequiredService<QuarantineList>(),
            sp.GetRequiredService<AccessRestrictions>(),
            sp.GetRequiredService<IBrokerEnforcement>(),
            sp.GetRequiredService<INetworkEnforcer>(),
            sp.GetRequiredService<IReadOnlyList<INotifier>>(),
            sp.GetRequiredService<ResponseStore>(),
            sp.GetRequiredService<IncidentReportWriter>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ResponseEngine>>(),
            sp.GetService<RecordStage>()));
        services.AddHostedService(sp => sp.GetRequiredService<ResponseEngine>());
        return services;
    }
}

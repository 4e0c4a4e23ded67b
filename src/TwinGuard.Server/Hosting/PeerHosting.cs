using TwinGuard.Ledger;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Server.Hosting.Sharing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Share;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// Registers sharing with peer sites (docs/sharing.md) on every site: one that declares no peer at start takes in
/// and sends nothing until a reload declares one (a device with <c>peer:</c>), then shares without a restart.
/// </summary>
internal static class PeerHosting
{
    /// <summary>
    /// Adds the site's peer key (<c>DATA/peering/key.pem</c>, its verifier key in <c>DATA/peering/peer.vkey</c>), the
    /// <see cref="PeerInbox"/>, the <see cref="PeerSender"/> and the service that wires them to the broker, correlate and intel.
    /// </summary>
    public static IServiceCollection AddPeers(this IServiceCollection services, HostSettings settings)
    {
        var plant = settings.Plant;
        var directory = Path.Combine(settings.DataDirectory, "peering");
        services.AddSingleton(_ =>
        {
            var key = WitnessSigningKey.LoadOrCreate(Path.Combine(directory, "key.pem"), "twinguard.peer/" + plant.Site.Id);
            File.WriteAllText(Path.Combine(directory, "peer.vkey"), key.PublicKey.VerifierKey + "\n");
            return key;
        });
        services.AddSingleton(_ => new PeerInbox(plant.Site.Id, directory, new PeerInboxLimits(), settings.Time));
        services.AddSingleton(sp => new PeerSender(plant, directory, sp.GetRequiredService<WitnessSigningKey>(), settings.Time));
        services.AddSingleton(sp => new PeerWitness(Path.Combine(directory, "witness"), sp.GetRequiredService<WitnessSigningKey>(), sp.GetRequiredService<EvidenceSink>(),
            sp.GetRequiredService<LedgerRecorder>(), settings.Time));
        services.AddSingleton(sp => new PeerCheckpoints(sp.GetRequiredService<LedgerWriter>(), sp.GetRequiredService<PeerSender>()));
        services.AddSingleton<PeerService>();
        services.AddHostedService(sp => sp.GetRequiredService<PeerService>());
        return services;
    }
}

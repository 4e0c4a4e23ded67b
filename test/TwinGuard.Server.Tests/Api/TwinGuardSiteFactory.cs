using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TwinGuard.Server.Access;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Tests.Api;

/// <summary>
/// A real serve host (<see cref="TwinGuardHost.Build"/>: silo, broker, data path, API) behind
/// <see cref="WebApplicationFactory{TEntryPoint}"/> on Kestrel, so clients talk HTTP to exactly what <c>twinguard serve</c> runs.
/// </summary>
/// <remarks>
/// The host is composed by TwinGuardHost rather than by the factory's builder: <see cref="CreateHost"/> returns it, and
/// the factory takes the address it listens on from its server.
/// </remarks>
internal sealed class TwinGuardSiteFactory : WebApplicationFactory<HostSettings>
{
    private readonly Action<AccessOptions>? _access;
    private readonly bool _ownsData;
    private readonly Func<HostSettings> _settings;

    /// <param name="access">Changes to the access options before start.</param>
    /// <param name="plan">The playbooks (none by default).</param>
    /// <param name="ledgerKey">Where the ledger's signing key lives (outside the data directory by default).</param>
    /// <param name="dataDirectory">A data directory to start on (a restart); the caller deletes it. A new one by default.</param>
    public TwinGuardSiteFactory(Action<AccessOptions>? access = null, ResponsePlan? plan = null, TwinGuard.Ledger.Checkpoints.LedgerKeyOptions? ledgerKey = null, string? dataDirectory = null)
    {
        _access = access;
        UseKestrel();
        _ownsData = dataDirectory is null;
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("twinguard-api-").FullName;
        var plant = PlantModelLoader.Load(SamplePlantPath);
        _settings = () => LoopbackSite.Settings(plant, DataDirectory) with
        {
            Response = plan ?? ResponsePlan.Empty,
            PlantSource = SamplePlantPath, // recorded in the ledger at start, so there is an entry to prove
            LedgerKey = ledgerKey ?? LedgerKeyLocations.For(Path.Combine(DataDirectory, "ledger"), DataDirectory + "-keys"), // outside the data directory
        };
        Settings = _settings();
    }

    public string DataDirectory { get; }

    /// <summary>The site's settings: its ports are those it started on once it has started (new ones when one was taken).</summary>
    internal HostSettings Settings { get; private set; }

    public static string SamplePlantPath => Path.Combine(RepositoryRoot(), "samples", "plant.yaml");

    /// <summary>Makes a key directly in the site's key store (as <c>twinguard keys create</c> does).</summary>
    internal NewApiKey CreateKey(ApiRole role, string? site = null, string? name = null) =>
        Services.GetRequiredService<ApiKeyStore>().Create(name ?? role.ToString().ToLowerInvariant(), role, site, "test");

    /// <summary>A client that sends <paramref name="token"/> as its bearer key (none when null).</summary>
    public HttpClient Client(string? token)
    {
        var client = CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    protected override IHostBuilder CreateHostBuilder() => new HostBuilder(); // never built: CreateHost composes the real one

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var first = true;
        var (app, settings) = LoopbackSite.StartAsync(
            () =>
            {
                // Picked anew only when the first ports were taken: until the site runs, a test may have read them.
                Settings = first ? Settings : _settings();
                first = false;
                return Settings;
            },
            built =>
            {
                _access?.Invoke(built.Services.GetRequiredService<AccessOptions>());
                return built.StartAsync();
            }).GetAwaiter().GetResult();
        Settings = settings;
        return app;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (!_ownsData)
        {
            return;
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
            Directory.Delete(DataDirectory + "-keys", recursive: true);
        }
        catch (IOException)
        {
            // A data directory left behind in /tmp is harmless.
        }
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TwinGuard.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("TwinGuard.slnx not found above " + AppContext.BaseDirectory);
    }
}

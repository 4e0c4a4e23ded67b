using TwinGuard.Server.Commands;
using TwinGuard.Simulator.Scenarios;

namespace TwinGuard.Server.Tests.Compliance;

/// <summary>
/// A data directory written by a real <c>twinguard simulate</c> run (the spike scenario through the whole serve host:
/// broker, twins, detectors, playbooks, ledger), with the run then recorded in it as a self-test, as
/// <c>simulate --data-dir</c> does. Shared by the compliance tests: the run takes tens of seconds.
/// </summary>
public sealed class SimulatedSite : IAsyncLifetime
{
    /// <summary>The data directory.</summary>
    public string DataDirectory { get; private set; } = string.Empty;

    /// <summary>The plant model file the run recorded.</summary>
    public string PlantFile { get; private set; } = string.Empty;

    /// <summary>The self-test entries recorded after the run.</summary>
    public IReadOnlyList<long> SelfTestEntries { get; private set; } = [];

    /// <summary>The ledger's public key, exported to a file apart from the data directory.</summary>
    public string PublicKeyFile { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var settings = SimulateCommand.SampleSettings(seed: 3) with { KeepData = true };
        var summary = await SimulateCommand.RunAsync(new SimulatePlan([ScenarioLibrary.Resolve("spike")]), settings, null, CancellationToken.None);
        var run = Assert.Single(summary.Runs);
        Assert.True(run.Detected, "the spike scenario was not detected");
        DataDirectory = run.DataDirectory!;
        PlantFile = settings.PlantSource!;
        SelfTestEntries = await SelfTestRecorder.RecordAsync(DataDirectory, summary.Runs, TimeProvider.System);
        PublicKeyFile = Path.Combine(Path.GetTempPath(), $"twinguard-compliance-key-{Guid.NewGuid():N}.pem");
        File.Copy(Path.Combine(DataDirectory, "ledger", "signing-key.pub.pem"), PublicKeyFile);
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
            File.Delete(PublicKeyFile);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}

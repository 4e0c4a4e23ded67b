using System.Net;
using TwinGuard.Edge;
using TwinGuard.Edge.Uplink;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

// twinguard-edge: see docs/edge.md. Exit codes: 0 done, 1 bad usage or input, 2 failed while running.
var log = new EdgeLog(Console.Error, TimeProvider.System);
try
{
    return args switch
    {
        ["run", .. var rest] => await RunAsync(EdgeCommandLine.Parse(rest), log),
        ["key", "--data-dir", var dir] => await PrintKeyAsync(dir),
        ["bench", "--config", var config] => await EdgeBench.RunAsync(PlantModelLoader.Load(config), TimeSpan.FromSeconds(5)),
        ["bench", "--config", var config, "--seconds", var seconds] when int.TryParse(seconds, out var s) && s is > 0 and <= 3600 =>
            await EdgeBench.RunAsync(PlantModelLoader.Load(config), TimeSpan.FromSeconds(s)),
        ["--version"] => Print("twinguard-edge 1.0"),
        _ => Usage(),
    };
}
catch (EdgeUsageException ex)
{
    await Console.Error.WriteLineAsync($"twinguard-edge: {ex.Message}");
    return 1;
}
catch (PlantModelException ex)
{
    await Console.Error.WriteLineAsync($"twinguard-edge: {ex.Message}");
    return 1;
}
catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
{
    await Console.Error.WriteLineAsync($"twinguard-edge: {ex.Message}");
    return 2;
}

static int Print(string text)
{
    Console.WriteLine(text);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: twinguard-edge run --edge-id ID --config plant.yaml --data-dir DIR [--playbooks playbooks.yaml]
                                  [--listen 127.0.0.1:1883] [--assets a,b] [--outbox-mb 256] [--checkpoint-interval 10s]
                                  [--site HOST:PORT --site-ca ca.crt --cert edge.crt --key edge.key [--site-witness-key KEY|FILE]]
                                  [--listen-tls 127.0.0.1:8883 --device-cert server.crt --device-key server.key [--device-ca ca.crt]]
               twinguard-edge key --data-dir DIR      (prints the verifier key of the edge's ledger, for the site's plant model)
               twinguard-edge bench --config plant.yaml [--seconds 5]   (readings/s through the edge's twin and outbox; JSON)
        """);
    return 1;
}

static async Task<int> PrintKeyAsync(string dataDirectory)
{
    TwinGuard.Server.Hosting.OwnerOnlyFiles.ApplyUmask();
    TwinGuard.Server.Hosting.OwnerOnlyFiles.SecureDirectory(dataDirectory);
    var options = new EdgeOptions("key", string.Empty, null, dataDirectory, new IPEndPoint(IPAddress.Loopback, 0), null);
    await using var ledger = EdgeLedger.Open(options, TimeProvider.System);
    Console.WriteLine(ledger.PublicKey.VerifierKey);
    return 0;
}

static async Task<int> RunAsync(EdgeOptions options, EdgeLog log)
{
    var startup = new StartupTimeline();
    // The edge's ledger, outbox and keys are its own, as the site's data directory is (the same code).
    TwinGuard.Server.Hosting.OwnerOnlyFiles.ApplyUmask();
    TwinGuard.Server.Hosting.OwnerOnlyFiles.SecureDirectory(options.DataDirectory);
    var plant = PlantModelLoader.Load(options.PlantModel);
    startup.Mark("plant model");
    var plan = options.Playbooks is { } playbooks ? PlaybookLoader.Load(playbooks, plant) : ResponsePlan.Empty;
    startup.Mark("playbooks");
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
    {
        c.Cancel = true;
        stop.Cancel();
    });

    await using var agent = new EdgeAgent(options, plant, plan, log, TimeProvider.System, startup);
    await agent.StartAsync();
    using var status = new PeriodicTimer(TimeSpan.FromSeconds(10));
    try
    {
        while (await status.WaitForNextTickAsync(stop.Token))
        {
            log.Info(agent.Status());
        }
    }
    catch (OperationCanceledException)
    {
        // SIGINT or SIGTERM
    }

    log.Info("stopping: " + agent.Status());
    return 0;
}

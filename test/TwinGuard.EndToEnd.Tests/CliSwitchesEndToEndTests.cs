using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// The #16 switches through the real <c>twinguard</c> executable: <c>serve --limit KEY=VALUE</c> changes the bound the
/// broker enforces, a bad one stops serve with a one-line error, and <c>intel import</c> of a plain-http feed on loopback
/// is refused until both <c>--allow-http</c> and <c>--allow-private</c> are given.
/// </summary>
public sealed class CliSwitchesEndToEndTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-cli-switches-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Serve_LimitMaxConnectionsOne_SecondSocketClosedWhileTheFirstIsHeld()
    {
        await using var serve = await SiloProcess.StartServeAsync(
            (mqtt, urls) => [.. ServeArguments(mqtt, urls), "--limit", "limits.mqtt.max_connections=1", "--limit", "limits.mqtt.connect_timeout=60s"],
            _dir,
            Path.Combine(_dir, "data"));

        // The first socket is the one the broker keeps (connect_timeout 60s), from an address of its own each try.
        using var first = await HeldSocketAsync(serve.MqttPort);
        using var second = await RawMqttClient.ConnectAsync(serve.MqttPort, "127.0.9.200");

        Assert.True(await second.ClosedByServerWithinAsync(TimeSpan.FromSeconds(20)), "the second socket should be refused at the cap of 1");
        Assert.False(await first.ClosedByServerWithinAsync(TimeSpan.FromSeconds(1)), "the first is held (connect_timeout 60s)");
    }

    [Fact]
    public async Task Serve_LimitWithBadValue_ExitsWithOneLineErrorNamingIt()
    {
        var (code, output, error) = await TwinGuardExecutable.RunAsync(
            ["serve", .. ServeArguments("1883", "http://127.0.0.1:5080"), "--limit", "limits.mqtt.max_connections=many"], Deadline); // refused before it binds anything

        Assert.NotEqual(0, code);
        Assert.Contains("--limit", error, StringComparison.Ordinal);
        Assert.Contains("max_connections", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal); // a message, not a stack trace
        Assert.Equal(string.Empty, output.Trim());
    }

    [Fact]
    public async Task IntelImport_PlainHttpFeedOnLoopback_RefusedUntilBothSwitchesAreGiven()
    {
        var (listener, port) = LoopbackHttpListener.Start();
        using var feed = listener;
        using var stop = new CancellationTokenSource();
        var serving = ServeFeedAsync(feed, stop.Token);
        var url = $"http://127.0.0.1:{port}/blocklist.csv";
        var dataDir = Path.Combine(_dir, "data");

        var plain = await TwinGuardExecutable.RunAsync(["intel", "import", url, "--data-dir", dataDir], Deadline);
        var httpOnly = await TwinGuardExecutable.RunAsync(["intel", "import", url, "--data-dir", dataDir, "--allow-http"], Deadline);
        var both = await TwinGuardExecutable.RunAsync(["intel", "import", url, "--data-dir", dataDir, "--allow-http", "--allow-private"], Deadline);
        var listed = await TwinGuardExecutable.RunAsync(["intel", "list", "--data-dir", dataDir], Deadline);
        await stop.CancelAsync();
        feed.Stop();
        await serving;

        Assert.NotEqual(0, plain.Code);
        Assert.Contains("http", plain.Error, StringComparison.OrdinalIgnoreCase);
        Assert.NotEqual(0, httpOnly.Code);
        Assert.Equal(0, both.Code);
        Assert.Contains("imported", both.Output, StringComparison.Ordinal);
        Assert.Contains("1 indicators", both.Output, StringComparison.Ordinal);
        Assert.Contains("warning", both.Error, StringComparison.Ordinal); // the opt-in is said out loud
        Assert.Contains(url, listed.Output, StringComparison.Ordinal);
    }

    private static async Task ServeFeedAsync(HttpListener feed, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes("type,value,confidence,targets,comment\nip,203.0.113.7,90,kind:pump,test: a scanner\n");
        while (!ct.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await feed.GetContextAsync().WaitAsync(ct);
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            context.Response.ContentType = "text/csv";
            await context.Response.OutputStream.WriteAsync(body, ct);
            context.Response.Close();
        }
    }

    private string[] ServeArguments(string mqtt, string urls) =>
    [
        "--config", ServedSite.SamplePlantPath, "--data-dir", Path.Combine(_dir, "data"), "--mqtt-port", mqtt, "--urls", urls, "--ledger-key", Path.Combine(_dir, "ledger.key"),
    ];

    private static async Task<RawMqttClient> HeldSocketAsync(int port)
    {
        for (var attempt = 1; attempt < 100; attempt++)
        {
            var socket = await RawMqttClient.ConnectAsync(port, $"127.0.9.{attempt}");
            if (!await socket.ClosedByServerWithinAsync(TimeSpan.FromSeconds(2)))
            {
                return socket;
            }

            socket.Dispose();
        }

        throw new InvalidOperationException("every socket was closed: the broker holds none");
    }
}

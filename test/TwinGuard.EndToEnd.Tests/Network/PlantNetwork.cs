using System.Diagnostics;

namespace TwinGuard.EndToEnd.Tests.Network;

/// <summary>
/// Another machine on the plant network, for one test: a network namespace joined to this one by a veth pair, with an
/// IPv4 and an IPv6 address on each side. Clients run inside it (<c>ip netns exec</c>) and reach the site's
/// non-loopback addresses, as devices on the plant floor would.
/// </summary>
internal sealed class PlantNetwork : IDisposable
{
    private readonly string _hostLink;

    private PlantNetwork(string name, string hostLink, int subnet)
    {
        Name = name;
        _hostLink = hostLink;
        HostIPv4 = $"10.231.{subnet}.1";
        DeviceIPv4 = $"10.231.{subnet}.2";
        HostIPv6 = $"fd00:231:{subnet:x}::1";
        DeviceIPv6 = $"fd00:231:{subnet:x}::2";
    }

    public string Name { get; }

    /// <summary>The site's addresses on the link (this namespace).</summary>
    public string HostIPv4 { get; }

    public string HostIPv6 { get; }

    /// <summary>The device's addresses (inside the namespace).</summary>
    public string DeviceIPv4 { get; }

    public string DeviceIPv6 { get; }

    /// <summary>Null when namespaces and veth links can be made here; else why not.</summary>
    public static string? Unavailable { get; } = Probe();

    public static PlantNetwork Create()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var network = new PlantNetwork("tgtls-" + id, "tgh" + id, Random.Shared.Next(1, 255));
        var ns = network.Name;
        Must("ip", "netns", "add", ns);
        Must("ip", "link", "add", network._hostLink, "type", "veth", "peer", "name", "tgd" + id);
        Must("ip", "link", "set", "tgd" + id, "netns", ns);
        Must("ip", "addr", "add", network.HostIPv4 + "/24", "dev", network._hostLink);
        Must("ip", "-6", "addr", "add", network.HostIPv6 + "/64", "dev", network._hostLink, "nodad");
        Must("ip", "link", "set", network._hostLink, "up");
        Must("ip", "netns", "exec", ns, "ip", "addr", "add", network.DeviceIPv4 + "/24", "dev", "tgd" + id);
        Must("ip", "netns", "exec", ns, "ip", "-6", "addr", "add", network.DeviceIPv6 + "/64", "dev", "tgd" + id, "nodad");
        Must("ip", "netns", "exec", ns, "ip", "link", "set", "tgd" + id, "up");
        Must("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        return network;
    }

    /// <summary>Runs a program on the device's side; returns its exit code and stderr.</summary>
    public async Task<(int Code, string Error)> ExecAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])["netns", "exec", Name, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await error).Trim());
    }

    public void Dispose()
    {
        Run("ip", "link", "delete", _hostLink);
        Run("ip", "netns", "delete", Name);
    }

    private static void Must(params string[] arguments)
    {
        var (code, output) = Run(arguments);
        Assert.True(code == 0, $"{string.Join(' ', arguments)}: {output}");
    }

    private static string? Probe()
    {
        try
        {
            var name = "tgtls-probe-" + Environment.ProcessId;
            var (code, error) = Run("ip", "netns", "add", name);
            Run("ip", "netns", "delete", name);
            return code == 0 ? null : $"network namespaces cannot be made here (ip netns add: {error.Trim()})";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"iproute2 is missing ({ex.Message}); apt-get install -y iproute2";
        }
    }

    private static (int Code, string Output) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(arguments[0]) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error);
    }
}

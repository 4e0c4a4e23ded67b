using System.Diagnostics;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>A network namespace created for one test (<c>ip netns add</c>) and deleted afterwards.</summary>
internal sealed class NetworkNamespace : IDisposable
{
    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    /// <summary>Null when the kernel (or the missing privilege) lets us create namespaces; else why not.</summary>
    public static string? Unavailable { get; } = Probe();

    public static NetworkNamespace Create()
    {
        var name = "tg-" + Guid.NewGuid().ToString("N")[..10];
        var (code, error) = Run("ip", "netns", "add", name);
        Assert.True(code == 0, $"ip netns add {name}: {error}");
        return new NetworkNamespace(name);
    }

    /// <summary>Runs a program inside the namespace.</summary>
    public (int Code, string Output) Exec(params string[] arguments) => Run("ip", ["netns", "exec", Name, .. arguments]);

    public void Dispose() => Run("ip", "netns", "delete", Name);

    private static string? Probe()
    {
        try
        {
            var name = "tg-probe-" + Environment.ProcessId;
            var (code, error) = Run("ip", "netns", "add", name);
            if (code != 0)
            {
                return $"the kernel refuses network namespaces here (ip netns add: {error.Trim()}); the nftables enforcer is not tested";
            }

            var (nftCode, nftError) = Run("ip", "netns", "exec", name, "nft", "list", "ruleset");
            Run("ip", "netns", "delete", name);
            return nftCode == 0 ? null : $"nft does not run in a network namespace here ({nftError.Trim()}); apt-get install -y nftables";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"iproute2 is missing ({ex.Message}); apt-get install -y iproute2 nftables";
        }
    }

    private static (int Code, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
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

using System.Diagnostics;

namespace TwinGuard.Twins.Respond;

/// <summary>Applies blocks with nft(8), in the host's network namespace or a named one (<c>ip netns exec</c>).</summary>
/// <remarks>Needs CAP_NET_ADMIN. Every command's failure is reported with nft's own message.</remarks>
public sealed class NftablesEnforcer(string table, string? networkNamespace = null) : INetworkEnforcer
{
    /// <inheritdoc />
    public async Task InitializeAsync(IReadOnlyCollection<string> blocked, CancellationToken cancellationToken) =>
        await RunAsync(NftRules.Table(table, blocked), cancellationToken);

    /// <inheritdoc />
    public async Task<string> BlockAsync(string address, CancellationToken cancellationToken)
    {
        var rule = NftRules.Block(table, address);
        await RunAsync(rule + "\n", cancellationToken);
        return rule;
    }

    /// <inheritdoc />
    public async Task<string> UnblockAsync(string address, CancellationToken cancellationToken)
    {
        var rule = NftRules.Unblock(table, address);
        try
        {
            await RunAsync(rule + "\n", cancellationToken);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("element does not exist", StringComparison.Ordinal) || ex.Message.Contains("No such file or directory", StringComparison.Ordinal))
        {
            return rule + " (was not blocked)";
        }

        return rule;
    }

    private async Task RunAsync(string script, CancellationToken cancellationToken)
    {
        var start = networkNamespace is null ? new ProcessStartInfo("nft") : new ProcessStartInfo("ip") { ArgumentList = { "netns", "exec", networkNamespace, "nft" } };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add("-");
        start.RedirectStandardInput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("nft could not be started");
        await process.StandardInput.WriteAsync(script.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"nft failed ({process.ExitCode}): {error.Trim()}");
        }
    }
}

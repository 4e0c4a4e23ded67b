using System.Globalization;
using System.Net;
using TwinGuard.Edge.Uplink;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Edge;

/// <summary>Reads <c>twinguard-edge run</c>'s options (no reflection-based parser: the agent is Native AOT).</summary>
internal static class EdgeCommandLine
{
    private static readonly string[] Known =
    [
        "--edge-id", "--config", "--data-dir", "--playbooks", "--listen", "--assets", "--outbox-mb", "--checkpoint-interval",
        "--site", "--site-ca", "--cert", "--key", "--site-witness-key", "--listen-tls", "--device-cert", "--device-key", "--device-ca",
    ];

    /// <summary>Parses the options after <c>run</c>.</summary>
    /// <exception cref="EdgeUsageException">An option is unknown, repeated, missing its value, or malformed.</exception>
    public static EdgeOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!Known.Contains(name))
            {
                throw new EdgeUsageException($"unknown option '{name}' (argument {i + 1})");
            }

            if (i + 1 >= args.Count)
            {
                throw new EdgeUsageException($"{name}: a value is missing");
            }

            if (!values.TryAdd(name, args[++i]))
            {
                throw new EdgeUsageException($"{name} is given twice");
            }
        }

        string Required(string name) => values.GetValueOrDefault(name) ?? throw new EdgeUsageException($"{name} is required");

        SiteLink? site = null;
        if (values.TryGetValue("--site", out var siteText))
        {
            var (host, port) = HostPort("--site", siteText);
            site = new SiteLink(host, port, Required("--site-ca"), Required("--cert"), Required("--key"), values.GetValueOrDefault("--site-witness-key"));
        }

        var listen = values.TryGetValue("--listen", out var listenText) ? EndPoint(listenText) : new IPEndPoint(IPAddress.Loopback, 1883);
        Devices.DeviceTls? deviceTls = null;
        if (values.TryGetValue("--listen-tls", out var tlsText))
        {
            deviceTls = new Devices.DeviceTls(EndPoint(tlsText), Required("--device-cert"), Required("--device-key"), values.GetValueOrDefault("--device-ca"));
        }
        else if (values.Keys.FirstOrDefault(k => k is "--device-cert" or "--device-key" or "--device-ca") is { } stray)
        {
            throw new EdgeUsageException($"{stray} needs --listen-tls (where devices connect over TLS)");
        }

        return new EdgeOptions(Required("--edge-id"), Required("--config"), values.GetValueOrDefault("--playbooks"), Required("--data-dir"), listen, site)
        {
            DeviceTls = deviceTls,
            Assets = values.TryGetValue("--assets", out var assets) ? assets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [],
            OutboxBytes = values.TryGetValue("--outbox-mb", out var mb) ? Number("--outbox-mb", mb, 1, 1 << 20) * 1024L * 1024 : 256L * 1024 * 1024,
            CheckpointInterval = values.TryGetValue("--checkpoint-interval", out var interval)
                ? DurationText.TryParse(interval, out var parsed) && parsed >= TimeSpan.FromSeconds(1) ? parsed
                    : throw new EdgeUsageException($"--checkpoint-interval: '{interval}' is not a duration of at least 1s (e.g. 10s)")
                : TimeSpan.FromSeconds(10),
        };
    }

    private static IPEndPoint EndPoint(string text) =>
        IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port > 0 ? endPoint
            : throw new EdgeUsageException($"--listen/--listen-tls: '{text}' is not ADDRESS:PORT (e.g. 127.0.0.1:1883 or [::1]:8883)");

    private static (string Host, int Port) HostPort(string name, string text)
    {
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? (text[..colon].Trim('[', ']'), port)
            : throw new EdgeUsageException($"{name}: '{text}' is not HOST:PORT");
    }

    private static int Number(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max ? value
            : throw new EdgeUsageException($"{name}: '{text}' is not a whole number from {min} to {max}");
}

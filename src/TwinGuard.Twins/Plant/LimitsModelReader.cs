using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace TwinGuard.Twins.Plant;

/// <summary>
/// Reads the <c>limits:</c> and <c>retention:</c> sections, from the plant model or from <c>--limit KEY=VALUE</c>
/// switches (the same keys, dotted), with file:line:column errors.
/// </summary>
internal static class LimitsModelReader
{
    private static readonly string[] MqttKeys =
    [
        "max_packet_bytes", "max_connect_bytes", "connect_timeout", "max_connections", "max_pending", "max_per_address",
        "max_pending_per_address", "connects_per_second", "connect_burst", "failures_before_back_off", "back_off_base",
        "back_off_max", "tracked_addresses", "concurrent_password_checks",
    ];

    public static PlantModel Read(YamlField root, PlantModel model) => model with
    {
        Limits = root.Optional("limits") is { } l ? ReadLimits(l, model.Limits) : model.Limits,
        Retention = root.Optional("retention") is { } r ? ReadRetention(r, model.Retention) : model.Retention,
    };

    /// <summary>
    /// Applies <c>section.key=value</c> switches (<c>limits.mqtt.max_connections=4096</c>,
    /// <c>retention.refusals.max_age=30d</c>) over the model's sections.
    /// </summary>
    public static PlantModel Override(PlantModel model, IEnumerable<string> switches)
    {
        var root = new YamlMappingNode();
        foreach (var assignment in switches)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            var path = equals > 0 ? assignment[..equals].Trim().Split('.') : [];
            if (path.Length < 2 || path.Any(p => p.Length == 0))
            {
                throw new PlantModelException("--limit", 0, 0, assignment, "expected SECTION.KEY=VALUE, e.g. limits.mqtt.max_connections=4096 or retention.refusals.max_age=30d");
            }

            var node = root;
            foreach (var segment in path[..^1])
            {
                if (!node.Children.TryGetValue(new YamlScalarNode(segment), out var child))
                {
                    child = new YamlMappingNode();
                    node.Children.Add(new YamlScalarNode(segment), child);
                }

                node = child as YamlMappingNode
                    ?? throw new PlantModelException("--limit", 0, 0, assignment, $"'{segment}' is given a value and keys");
            }

            node.Children[new YamlScalarNode(path[^1])] = new YamlScalarNode(assignment[(equals + 1)..].Trim());
        }

        var field = new YamlField("--limit", string.Empty, root);
        field.AllowOnly("limits", "retention");
        return Read(field, model);
    }

    private static LimitsSettings ReadLimits(YamlField field, LimitsSettings current)
    {
        field.AllowOnly("refusal_fold_window", "mqtt", "modbus");
        var limits = current with { RefusalFoldWindow = field.Optional("refusal_fold_window")?.Duration() ?? current.RefusalFoldWindow };
        if (field.Optional("modbus") is { } modbus)
        {
            modbus.AllowOnly("refusal_fold_window");
            limits = limits with { ModbusRefusalFoldWindow = modbus.Optional("refusal_fold_window")?.Duration() ?? current.ModbusRefusalFoldWindow };
        }

        if (field.Optional("mqtt") is not { } mqtt)
        {
            return limits;
        }

        mqtt.AllowOnly(MqttKeys);
        int? Int(string key) => mqtt.Optional(key)?.PositiveInteger();
        TimeSpan? Time(string key) => mqtt.Optional(key)?.Duration();
        return limits with
        {
            MaxPacketBytes = Int("max_packet_bytes") ?? limits.MaxPacketBytes,
            MaxConnectBytes = Int("max_connect_bytes") ?? limits.MaxConnectBytes,
            ConnectTimeout = Time("connect_timeout") ?? limits.ConnectTimeout,
            MaxConnections = Int("max_connections") ?? limits.MaxConnections,
            MaxPendingConnections = Int("max_pending") ?? limits.MaxPendingConnections,
            MaxConnectionsPerAddress = Int("max_per_address") ?? limits.MaxConnectionsPerAddress,
            MaxPendingPerAddress = Int("max_pending_per_address") ?? limits.MaxPendingPerAddress,
            ConnectsPerSecond = mqtt.Optional("connects_per_second")?.PositiveNumber() ?? limits.ConnectsPerSecond,
            ConnectBurst = Int("connect_burst") ?? limits.ConnectBurst,
            FailuresBeforeBackOff = mqtt.Optional("failures_before_back_off") is { } f ? NonNegative(f) : limits.FailuresBeforeBackOff,
            BackOffBase = Time("back_off_base") ?? limits.BackOffBase,
            BackOffMax = Time("back_off_max") ?? limits.BackOffMax,
            TrackedAddresses = Int("tracked_addresses") ?? limits.TrackedAddresses,
            ConcurrentPasswordChecks = Int("concurrent_password_checks") ?? limits.ConcurrentPasswordChecks,
        };
    }

    private static RetentionSettings ReadRetention(YamlField field, RetentionSettings current)
    {
        field.AllowOnly("interval", "refusals", "findings", "reports", "forward_queues");
        var forward = field.Optional("forward_queues");
        forward?.AllowOnly("max_age");
        return new RetentionSettings(
            field.Optional("interval")?.Duration() ?? current.Interval,
            ReadRule(field.Optional("refusals"), current.Refusals),
            ReadRule(field.Optional("findings"), current.Findings),
            ReadRule(field.Optional("reports"), current.Reports))
        {
            ForwardQueueMaxAge = forward?.Optional("max_age") is { } age ? (IsNone(age) ? null : age.Duration()) : current.ForwardQueueMaxAge,
        };
    }

    /// <summary>
    /// One kind's rule: <c>max_age</c>/<c>max_bytes</c>/<c>max_rows</c> set one bound each (<c>none</c> clears it).
    /// </summary>
    private static RetentionRule ReadRule(YamlField? field, RetentionRule current)
    {
        if (field is not { } f)
        {
            return current;
        }

        f.AllowOnly("max_age", "max_bytes", "max_rows");
        return new RetentionRule(
            f.Optional("max_age") is { } age ? (IsNone(age) ? null : age.Duration()) : current.MaxAge,
            f.Optional("max_bytes") is { } bytes ? (IsNone(bytes) ? null : Bytes(bytes)) : current.MaxBytes,
            f.Optional("max_rows") is { } count ? (IsNone(count) ? null : count.PositiveInteger()) : current.MaxRows);
    }

    private static bool IsNone(YamlField field) => field.Node is YamlScalarNode { Value: "none" };

    private static int NonNegative(YamlField field) =>
        field.Node is YamlScalarNode { Value: { } text } && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw field.Error("expected a whole number, 0 or more");

    /// <summary>A size such as <c>4096</c>, <c>64KiB</c>, <c>256MiB</c>, <c>1GiB</c> (powers of 1024).</summary>
    private static long Bytes(YamlField field)
    {
        var text = (field.Node as YamlScalarNode)?.Value?.Trim() ?? string.Empty;
        var unitStart = text.Length;
        while (unitStart > 0 && char.IsAsciiLetter(text[unitStart - 1]))
        {
            unitStart--;
        }

        long? scale = text[unitStart..] switch
        {
            "" or "B" => 1,
            "KiB" => 1L << 10,
            "MiB" => 1L << 20,
            "GiB" => 1L << 30,
            "TiB" => 1L << 40,
            _ => null,
        };
        return scale is { } s && long.TryParse(text.AsSpan(0, unitStart), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && n <= long.MaxValue / s
            ? n * s
            : throw field.Error($"expected a size such as 4096, 64KiB, 256MiB or 1GiB, found '{text}'");
    }
}

using System.Net;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using YamlDotNet.RepresentationModel;

namespace TwinGuard.Twins.Respond;

/// <summary>Reads playbooks.yaml and checks it completely, against the plant model, before anything acts on it.</summary>
/// <remarks>
/// Same rules as <see cref="PlantModelLoader"/>: every problem is refused with file, line, column, field and reason
/// (<see cref="PlantModelException"/>), and unknown fields are refused, since a misspelt <c>quarantine</c> that is
/// silently ignored is a containment that never happens. The format is documented in docs/playbooks.md.
/// </remarks>
public static class PlaybookLoader
{
    /// <summary>Action keys as written in the file.</summary>
    public static readonly IReadOnlyList<string> ActionNames = ["quarantine", "disconnect", "revoke_credentials", "read_only", "block_address", "notify", "report"];

    private static readonly TimeSpan DefaultApprovalTimeout = TimeSpan.FromMinutes(15);

    /// <summary>Loads and checks a playbook file.</summary>
    /// <exception cref="PlantModelException">The file is not valid.</exception>
    public static ResponsePlan Load(string path, PlantModel plant) => Parse(File.ReadAllText(path), plant, path);

    /// <summary>Parses and checks playbook text; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="PlantModelException">The text is not valid.</exception>
    public static ResponsePlan Parse(string yaml, PlantModel plant, string file = "playbooks.yaml")
    {
        var root = YamlField.LoadDocument(yaml, file);
        root.AllowOnly("notifiers", "network", "poll_interval", "forward", "playbooks");

        var notifiers = new List<NotifierModel>();
        if (root.Optional("notifiers") is { } notifierList)
        {
            foreach (var item in notifierList.Items())
            {
                var notifier = ReadNotifier(item);
                if (notifiers.Any(n => n.Id == notifier.Id))
                {
                    throw item.Error($"duplicate notifier id '{notifier.Id}'");
                }

                notifiers.Add(notifier);
            }
        }

        var network = root.Optional("network") is { } n ? ReadNetwork(n) : NetworkEnforcement.Default;
        var poll = root.Optional("poll_interval")?.Duration() ?? ResponsePlan.Empty.PollInterval;

        var playbooks = new List<Playbook>();
        var playbookList = root.Required("playbooks");
        foreach (var item in playbookList.Items())
        {
            var playbook = ReadPlaybook(item, plant, notifiers);
            if (playbooks.Any(p => p.Id == playbook.Id))
            {
                throw item.Required("id").Error($"duplicate playbook id '{playbook.Id}'");
            }

            playbooks.Add(playbook);
        }

        var forwarding = root.Optional("forward") is { } forward ? forward.Items().Select(f => ReadForward(f, notifiers)).ToList() : [];
        return new ResponsePlan(playbooks, notifiers, network, poll) { Forwarding = forwarding };
    }

    private static ForwardRule ReadForward(YamlField field, List<NotifierModel> notifiers)
    {
        field.AllowOnly("notifier", "min_severity", "reasons");
        var notifierField = field.Required("notifier");
        var notifier = notifierField.String();
        if (notifiers.All(n => n.Id != notifier))
        {
            throw notifierField.Error($"no notifier '{notifier}' is declared under notifiers");
        }

        var reasons = new List<ReasonCode>();
        foreach (var name in Checked(field.Optional("reasons"), r => ReasonCodes.TryParse(r, out _), "a finding reason (" + string.Join(", ", ReasonCodes.AllNames) + ")"))
        {
            ReasonCodes.TryParse(name, out var code);
            reasons.Add(code);
        }

        return new ForwardRule(notifier, field.Optional("min_severity")?.Enum<Severity>() ?? Severity.Info, reasons);
    }

    private static ClientTls ReadSyslogTls(YamlField field)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(field.File)) ?? ".";
        string? File(string key)
        {
            if (field.Optional(key) is not { } f)
            {
                return null;
            }

            var path = System.IO.Path.GetFullPath(f.String(), directory);
            return System.IO.File.Exists(path) ? path : throw f.Error($"file not found: {path} (paths are relative to the playbooks file)");
        }

        var tls = new ClientTls(File("ca"), File("certificate"), File("key"));
        return (tls.CertificateFile is null) == (tls.KeyFile is null) ? tls : throw field.Error("expected both 'certificate' and 'key', or neither");
    }

    private static NotifierModel ReadNotifier(YamlField field)
    {
        var kindField = field.Required("kind");
        var kind = kindField.String() switch
        {
            "syslog" => NotifierKind.Syslog,
            "webhook" => NotifierKind.Webhook,
            "ecs_file" => NotifierKind.EcsFile,
            var other => throw kindField.Error($"expected syslog, webhook or ecs_file, found '{other}'"),
        };
        var id = field.Required("id").Identifier();
        switch (kind)
        {
            case NotifierKind.Syslog:
                field.AllowOnly("id", "kind", "host", "port", "transport", "ca", "certificate", "key", "window");
                var transportField = field.Optional("transport");
                var transport = transportField?.String() ?? "udp";
                if (transport is not ("udp" or "tcp" or "tls" or "relp" or "relp-tls"))
                {
                    throw transportField!.Value.Error($"expected udp, tcp, tls, relp or relp-tls, found '{transport}'");
                }

                // RFC 5425 §4.1: syslog over TLS listens on 6514. RELP has no assigned port; 20514 is the one in
                // rsyslog's and syslog-ng's examples.
                var relp = transport is "relp" or "relp-tls";
                var windowField = field.Optional("window");
                if (windowField is not null && !relp)
                {
                    throw windowField.Value.Error($"'window' is for the relp and relp-tls transports, not {transport}");
                }

                return new NotifierModel(kind, id, Host: field.Required("host").String(), Port: Port(field.Optional("port"), relp ? 20514 : transport == "tls" ? 6514 : 514), Tcp: transport != "udp")
                {
                    Tls = transport is "tls" or "relp-tls" ? ReadSyslogTls(field) : null,
                    Relp = relp,
                    Window = relp ? RelpWindow(windowField) : 1,
                };

            case NotifierKind.Webhook:
                field.AllowOnly("id", "kind", "url", "secret_env");
                var urlField = field.Required("url");
                if (!Uri.TryCreate(urlField.String(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                {
                    throw urlField.Error($"expected an absolute http or https URL, found '{urlField.String()}'");
                }

                var secretField = field.Required("secret_env");
                var secretEnv = secretField.String();
                if (!secretEnv.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                {
                    throw secretField.Error($"expected the name of an environment variable holding the HMAC key, found '{secretEnv}'");
                }

                return new NotifierModel(kind, id, Url: url, SecretEnv: secretEnv);

            default:
                field.AllowOnly("id", "kind", "path");
                return new NotifierModel(kind, id, Path: field.Required("path").String());
        }
    }

    private static int Port(YamlField? field, int fallback)
    {
        if (field is not { } f)
        {
            return fallback;
        }

        var value = f.PositiveInteger();
        return value <= 65535 ? value : throw f.Error($"expected a port in 1..65535, found '{value}'");
    }

    /// <summary>A RELP notifier's window: 1 (one message answered before the next) up to the bound that keeps a run's
    /// memory small.</summary>
    private static int RelpWindow(YamlField? field)
    {
        if (field is not { } f)
        {
            return NotifierModel.DefaultRelpWindow;
        }

        var value = f.PositiveInteger();
        return value <= NotifierModel.MaxRelpWindow ? value : throw f.Error($"expected a window in 1..{NotifierModel.MaxRelpWindow}, found '{value}'");
    }

    private static NetworkEnforcement ReadNetwork(YamlField field)
    {
        field.AllowOnly("mode", "table", "namespace", "management", "min_prefix_v4", "min_prefix_v6");
        var modeField = field.Optional("mode");
        var mode = modeField?.String() ?? "dry-run";
        if (mode is not ("dry-run" or "nftables"))
        {
            throw modeField!.Value.Error($"expected dry-run or nftables, found '{mode}'");
        }

        var management = new List<IPNetwork>();
        foreach (var item in field.Optional("management")?.Items() ?? [])
        {
            var text = item.String();
            management.Add(IPNetwork.TryParse(text, out var network) ? network
                : IPAddress.TryParse(text, out var address) ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
                : throw item.Error($"expected an IP network (10.0.0.0/16) or address, found '{text}'"));
        }

        return new NetworkEnforcement(
            mode == "nftables",
            field.Optional("table")?.Identifier() ?? NetworkEnforcement.Default.Table,
            field.Optional("namespace")?.Identifier())
        {
            ManagementNetworks = management,
            MinPrefixV4 = field.Optional("min_prefix_v4") is { } v4 ? Prefix(v4, 32) : NetworkEnforcement.Default.MinPrefixV4,
            MinPrefixV6 = field.Optional("min_prefix_v6") is { } v6 ? Prefix(v6, 128) : NetworkEnforcement.Default.MinPrefixV6,
        };
    }

    private static int Prefix(YamlField field, int max)
    {
        var value = field.PositiveInteger();
        return value <= max ? value : throw field.Error($"expected a prefix length in 1..{max}, found '{value}'");
    }

    private static Playbook ReadPlaybook(YamlField field, PlantModel plant, List<NotifierModel> notifiers)
    {
        field.AllowOnly("id", "description", "trigger", "conditions", "actions");
        var id = field.Required("id").Identifier();
        var trigger = ReadTrigger(field.Required("trigger"), plant);
        var conditions = field.Optional("conditions") is { } c ? ReadConditions(c) : PlaybookConditions.None;
        var actionList = field.Required("actions");
        var items = actionList.Items().ToList();
        var actions = items.Select(a => ReadAction(a, notifiers)).ToList();
        if (actions.Count == 0)
        {
            throw actionList.Error("expected at least one action");
        }

        var disconnect = actions.FindIndex(a => a.Kind == ActionKind.Disconnect);
        if (disconnect >= 0 && !actions.Any(a => a.Kind is ActionKind.QuarantineSource or ActionKind.RevokeCredentials && a.Approval is null))
        {
            throw items[disconnect].Error("a disconnect alone lets the device reconnect at once: add 'quarantine: source' or 'revoke_credentials: device' (without approval) to this playbook");
        }

        return new Playbook(id, field.Optional("description")?.String() ?? id, trigger, conditions, actions, $"{field.File}:{field.Node.Start.Line}");
    }

    private static PlaybookTrigger ReadTrigger(YamlField field, PlantModel plant)
    {
        field.AllowOnly("kind", "severity", "scope", "assets", "tags", "devices", "reasons");
        var kind = field.Optional("kind") is { } k
            ? k.String() switch
            {
                "any" => IncidentKind.Any,
                "critical" => IncidentKind.Critical,
                "correlated" => IncidentKind.Correlated,
                var other => throw k.Error($"expected any, critical or correlated, found '{other}'"),
            }
            : IncidentKind.Any;

        var scopes = Checked(field.Optional("scope"), s => s is "asset" or "source" or "site", "a scope: asset, source or site");
        var assets = Checked(field.Optional("assets"), a => plant.FindAsset(a) is not null, "an asset of the plant model");
        var tags = Checked(field.Optional("tags"), t => plant.Assets.Any(a => a.Tags.Contains(t)), "a tag of some asset of the plant model");
        var devices = Checked(field.Optional("devices"), d => plant.FindDevice(d) is not null, "a device of the plant model");
        var reasons = new List<ReasonCode>();
        foreach (var name in Checked(field.Optional("reasons"), r => ReasonCodes.TryParse(r, out _), "a finding reason (" + string.Join(", ", ReasonCodes.AllNames) + ")"))
        {
            ReasonCodes.TryParse(name, out var code);
            reasons.Add(code);
        }

        return new PlaybookTrigger(kind, field.Optional("severity")?.Enum<Severity>() ?? Severity.Info, scopes, assets, tags, devices, reasons);
    }

    /// <summary>A scalar or a list of scalars, each of which must satisfy <paramref name="valid"/>.</summary>
    private static IReadOnlyList<string> Checked(YamlField? field, Func<string, bool> valid, string expected)
    {
        if (field is not { } f)
        {
            return [];
        }

        var items = f.Node is YamlScalarNode ? [f] : f.Items().ToList();
        foreach (var item in items)
        {
            if (!valid(item.String()))
            {
                throw item.Error($"expected {expected}, found '{item.String()}'");
            }
        }

        return items.Select(i => i.String()).ToList();
    }

    private static PlaybookConditions ReadConditions(YamlField field)
    {
        field.AllowOnly("device_known", "asset_kinds", "min_criticality");
        bool? deviceKnown = null;
        if (field.Optional("device_known") is { } known)
        {
            deviceKnown = known.String() switch
            {
                "true" => true,
                "false" => false,
                var other => throw known.Error($"expected true or false, found '{other}'"),
            };
        }

        return new PlaybookConditions(
            deviceKnown,
            field.Optional("asset_kinds") is { } kinds ? Checked(kinds, _ => true, "an asset kind") : [],
            field.Optional("min_criticality")?.Enum<Criticality>());
    }

    private static PlaybookAction ReadAction(YamlField field, List<NotifierModel> notifiers)
    {
        var keys = field.Mapping.Children.Keys.Select(k => (k as YamlScalarNode)?.Value ?? string.Empty).ToList();
        var named = keys.Where(k => ActionNames.Contains(k)).ToList();
        if (named.Count == 0)
        {
            field.AllowOnly([.. ActionNames, "approval", "expires"]);
        }

        if (named.Count != 1)
        {
            throw field.Error(named.Count == 0
                ? $"expected one action ({string.Join(", ", ActionNames)})"
                : $"expected one action per list item, found {string.Join(" and ", named)}");
        }

        var name = named[0];
        field.AllowOnly(name, "approval", "expires");
        var value = field.Required(name);
        var line = (int)field.Node.Start.Line;
        ActionKind kind;
        var target = name == "notify" ? "notifiers" : value.String();
        IReadOnlyList<string> targets = [];
        switch (name)
        {
            case "quarantine":
                kind = target switch
                {
                    "source" => ActionKind.QuarantineSource,
                    "asset" => ActionKind.QuarantineAsset,
                    "signals" => ActionKind.QuarantineSignals,
                    _ => throw value.Error($"expected source, asset or signals, found '{target}'"),
                };
                break;
            case "disconnect" or "revoke_credentials":
                kind = name == "disconnect" ? ActionKind.Disconnect : ActionKind.RevokeCredentials;
                if (target != "device")
                {
                    throw value.Error($"expected device (the incident's source), found '{target}'");
                }

                break;
            case "read_only":
                kind = ActionKind.ReadOnly;
                if (target != "asset")
                {
                    throw value.Error($"expected asset (the incident's asset), found '{target}'");
                }

                break;
            case "block_address":
                kind = ActionKind.BlockAddress;
                if (target != "source" && !IPNetwork.TryParse(target, out _) && !IPAddress.TryParse(target, out _))
                {
                    throw value.Error($"expected source (the device's address) or an IP address or network, found '{target}'");
                }

                break;
            case "notify":
                kind = ActionKind.Notify;
                targets = Checked(value, id => notifiers.Any(n => n.Id == id), "the id of a notifier declared under notifiers:");
                break;
            default:
                kind = ActionKind.Report;
                if (target != "incident")
                {
                    throw value.Error($"expected incident, found '{target}'");
                }

                break;
        }

        var action = new PlaybookAction(kind, target, targets, field.Optional("approval") is { } a ? ReadApproval(a) : null, field.Optional("expires")?.Duration(), line);
        if (action.Expires is not null && !action.Contains)
        {
            throw field.Required("expires").Error($"'{name}' puts nothing in place that could expire");
        }

        return action;
    }

    private static ApprovalPolicy ReadApproval(YamlField field)
    {
        if (field.Node is YamlScalarNode)
        {
            return field.String() == "required"
                ? new ApprovalPolicy(DefaultApprovalTimeout, false)
                : throw field.Error($"expected required or a mapping with timeout and on_timeout, found '{field.String()}'");
        }

        field.AllowOnly("timeout", "on_timeout");
        var onTimeout = field.Optional("on_timeout") is { } t
            ? t.String() switch
            {
                "deny" => false,
                "approve" => true,
                var other => throw t.Error($"expected deny or approve, found '{other}'"),
            }
            : false;
        return new ApprovalPolicy(field.Optional("timeout")?.Duration() ?? DefaultApprovalTimeout, onTimeout);
    }
}

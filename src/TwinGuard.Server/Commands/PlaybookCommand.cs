using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard playbook check</c>, and how serve finds its playbooks.</summary>
internal static class PlaybookCommand
{
    /// <summary>The file serve looks for beside the plant model when <c>--playbooks</c> is not given.</summary>
    public const string DefaultFileName = "playbooks.yaml";

    /// <summary><c>--playbooks FILE</c>.</summary>
    public static Option<FileInfo?> PlaybooksOption() => new("--playbooks")
    {
        Description = $"Playbooks (YAML, docs/playbooks.md); default: {DefaultFileName} beside the plant model when there is one",
    };

    /// <summary>Loads the response plan: the given file, else <c>playbooks.yaml</c> beside the plant model, else none.</summary>
    public static ResponsePlan LoadPlan(FileInfo? file, FileInfo plantFile, PlantModel plant) =>
        PlaybooksPath(file, plantFile) is { } path ? PlaybookLoader.Load(path, plant) : ResponsePlan.Empty;

    /// <summary>The playbooks file serve uses: the one given, else playbooks.yaml beside the plant model, else none.</summary>
    public static string? PlaybooksPath(FileInfo? file, FileInfo plantFile)
    {
        if (file is null)
        {
            var beside = new FileInfo(Path.Combine(plantFile.DirectoryName ?? ".", DefaultFileName));
            return beside.Exists ? beside.FullName : null;
        }

        return file.Exists ? file.FullName : throw new CommandLineException($"playbooks not found: {file.FullName}");
    }

    /// <summary>The environment variable holding TwinGuard's password on an external broker.</summary>
    public const string BrokerPasswordVariable = "TWINGUARD_BROKER_PASSWORD";

    /// <summary><c>--external-broker mqtt://USER@HOST:PORT</c>.</summary>
    public static Option<string?> ExternalBrokerOption() => new("--external-broker")
    {
        Description = $"Join an existing mosquitto 2 (dynamic-security plugin) instead of the embedded broker: mqtt://USER@HOST:PORT or mqtts://USER@HOST:PORT, password in ${BrokerPasswordVariable}",
    };

    /// <summary><c>--external-broker-ca FILE</c>, <c>--external-broker-cert FILE</c>, <c>--external-broker-key FILE</c>: TLS to it.</summary>
    public static (Option<FileInfo?> Ca, Option<FileInfo?> Certificate, Option<FileInfo?> Key) ExternalBrokerTlsOptions() =>
    (
        new("--external-broker-ca") { Description = "mqtts: the CA (PEM) that must have issued the broker's certificate (pinned)" },
        new("--external-broker-cert") { Description = "mqtts: TwinGuard's client certificate (PEM), when the broker asks for one" },
        new("--external-broker-key") { Description = "mqtts: the private key (PEM) of --external-broker-cert" });

    /// <summary>Parses <c>mqtt://USER@HOST:PORT</c> or <c>mqtts://...</c> (port 8883 by default) with its TLS files; null when not given.</summary>
    public static ExternalBrokerOptions? ParseExternalBroker(string? text, FileInfo? ca, FileInfo? certificate, FileInfo? key)
    {
        if (ParseExternalBroker(text) is not { } options)
        {
            return null;
        }

        var tls = text!.StartsWith("mqtts:", StringComparison.Ordinal);
        if (!tls && (ca ?? certificate ?? key) is not null)
        {
            throw new CommandLineException("--external-broker-ca/-cert/-key apply to an mqtts:// broker only");
        }

        if ((certificate is null) != (key is null))
        {
            throw new CommandLineException("--external-broker-cert and --external-broker-key go together");
        }

        foreach (var file in new[] { ca, certificate, key })
        {
            if (file is { Exists: false })
            {
                throw new CommandLineException($"file not found: {file.FullName}");
            }
        }

        return tls
            ? options with
            {
                Port = new Uri(text).IsDefaultPort || new Uri(text).Port < 0 ? BrokerOptions.DefaultTlsPort : options.Port,
                Tls = new Twins.Respond.ClientTls(ca?.FullName, certificate?.FullName, key?.FullName),
            }
            : options;
    }

    /// <summary>Parses <c>mqtt://USER@HOST:PORT</c> (or <c>mqtts://</c>, TLS left to the caller); null when not given.</summary>
    public static ExternalBrokerOptions? ParseExternalBroker(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts") || uri.UserInfo.Length == 0 || uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            throw new CommandLineException($"--external-broker: expected mqtt://USER@HOST:PORT or mqtts://USER@HOST:PORT (password in ${BrokerPasswordVariable}), found '{text}'");
        }

        var password = Environment.GetEnvironmentVariable(BrokerPasswordVariable)
            ?? throw new CommandLineException($"--external-broker: set ${BrokerPasswordVariable} to TwinGuard's password on {uri.Host}");
        return new ExternalBrokerOptions(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? BrokerOptions.DefaultPort : uri.Port, Uri.UnescapeDataString(uri.UserInfo), password);
    }

    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "Playbooks file (YAML)" };
        var config = new Option<FileInfo>("--config") { Description = "Plant model the playbooks refer to (YAML)", Required = true };
        var json = CommonOptions.Json();
        var check = new Command("check", "Check a playbooks file against a plant model; print what it would do") { file, config, json };
        check.SetAction(parse =>
        {
            var plant = ServeCommand.LoadPlant(parse.GetValue(config)!);
            var input = parse.GetValue(file)!;
            var plan = input.Exists ? PlaybookLoader.Load(input.FullName, plant) : throw new CommandLineException($"playbooks not found: {input.FullName}");
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(
                    new
                    {
                        playbooks = plan.Playbooks.Select(p => new { p.Id, p.Location, actions = p.Actions.Select(a => a.Describe()).ToList() }),
                        notifiers = plan.Notifiers.Select(n => new { n.Id, kind = n.Kind.ToString().ToLowerInvariant() }),
                        network = plan.Network.Apply ? "nftables" : "dry-run",
                    },
                    new JsonSerializerOptions(JsonSerializerDefaults.Web)));
                return 0;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{input.Name}: {plan.Playbooks.Count} playbook(s), {plan.Notifiers.Count} notifier(s), network {(plan.Network.Apply ? "nftables" : "dry-run")}"));
            foreach (var p in plan.Playbooks)
            {
                Console.WriteLine($"  {p.Id} ({p.Location}): {string.Join("; ", p.Actions.Select(a => a.Describe() + (a.Approval is null ? string.Empty : " [approval]")))}");
            }

            return 0;
        });
        return new Command("playbook", "Playbooks: automated responses to incidents") { check };
    }
}

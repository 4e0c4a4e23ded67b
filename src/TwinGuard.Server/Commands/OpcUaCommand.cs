using System.CommandLine;
using System.Text.Json;
using TwinGuard.Ingest.OpcUa.Client;
using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.Services;
using TwinGuard.Ingest.OpcUa.Transport;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard opcua browse ENDPOINT</c>: prints a server's endpoints and address space, to help write the plant model.</summary>
internal static class OpcUaCommand
{
    public static Command Create() => new("opcua", "OPC UA servers: browse an address space")
    {
        Browse(),
    };

    private static Command Browse()
    {
        var endpoint = new Argument<string>("endpoint") { Description = "opc.tcp://HOST:PORT/PATH" };
        var root = new Option<string>("--root") { Description = "NodeId to start from (default i=85, the Objects folder)", DefaultValueFactory = _ => "i=85" };
        var depth = new Option<int>("--depth") { Description = "How many levels to descend (default 4, at most 16)", DefaultValueFactory = _ => 4 };
        var json = CommonOptions.Json();
        var command = new Command("browse", "Print the server's endpoints and its address space below --root, with each variable's NodeId and value")
        {
            endpoint, root, depth, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (!OpcUaEndpointUrl.TryParse(parse.GetValue(endpoint)!, out var url, out var error))
            {
                throw new CommandLineException(error);
            }

            if (!NodeId.TryParse(parse.GetValue(root)!, out var start, out error))
            {
                throw new CommandLineException($"--root: {error}");
            }

            var levels = parse.GetValue(depth);
            if (levels is < 1 or > 16)
            {
                throw new CommandLineException("--depth: expected 1 to 16");
            }

            try
            {
                await using var client = await OpcUaClient.ConnectAsync(url, OpcUaClientOptions.Default, TimeProvider.System, ct);
                var endpoints = await client.GetEndpointsAsync(ct);
                await client.OpenSessionAsync("twinguard-browse", OpcUaIdentity.Anonymous, ct);
                var nodes = new List<BrowsedNode>();
                await WalkAsync(client, start, 0, levels, nodes, [], ct);
                await client.CloseAsync(ct);
                Print(endpoints, nodes, parse.GetValue(json));
            }
            catch (Exception ex) when (ex is OpcUaException or IOException or System.Net.Sockets.SocketException)
            {
                throw new CommandLineException($"{url}: {ex.Message}");
            }

            return 0;
        });
        return command;
    }

    private const int MaxNodes = 10_000;

    private static async Task WalkAsync(OpcUaClient client, NodeId node, int level, int levels, List<BrowsedNode> into, HashSet<NodeId> seen, CancellationToken ct)
    {
        if (level >= levels || !seen.Add(node) || into.Count >= MaxNodes)
        {
            return;
        }

        var references = (await client.BrowseAsync(node, ct)).Where(r => r.NodeId.ServerIndex == 0 && r.NodeId.NamespaceUri is null).ToList();
        var variables = references.Where(r => r.NodeClass == NodeClass.Variable).Select(r => r.NodeId.NodeId).ToList();
        var values = variables.Count > 0 ? await client.ReadAsync(variables, AttributeIds.Value, ct) : [];
        var valueOf = variables.Zip(values).ToDictionary(p => p.First, p => p.Second);
        foreach (var reference in references)
        {
            if (into.Count >= MaxNodes)
            {
                return;
            }

            var id = reference.NodeId.NodeId;
            var value = valueOf.GetValueOrDefault(id);
            into.Add(new BrowsedNode(level, id.ToString(), reference.BrowseName.ToString(), reference.NodeClass.ToString(),
                value?.Value.ToString(), value is null ? null : value.Status.ToString()));
            if (reference.NodeClass is NodeClass.Object or NodeClass.Variable)
            {
                await WalkAsync(client, id, level + 1, levels, into, seen, ct);
            }
        }
    }

    private static void Print(IReadOnlyList<EndpointDescription> endpoints, List<BrowsedNode> nodes, bool json)
    {
        if (json)
        {
            var output = new
            {
                endpoints = endpoints.Select(e => new
                {
                    url = e.EndpointUrl,
                    security_policy = Ingest.OpcUa.SecureChannel.SecurityPolicies.ShortName(e.SecurityPolicyUri),
                    security_mode = e.SecurityMode.ToString(),
                    server_certificate_sha256 = e.ServerCertificate.Length == 0 ? null : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(e.ServerCertificate)),
                    user_tokens = e.UserIdentityTokens.Select(t => t.TokenType.ToString()).Distinct().ToList(),
                }),
                nodes = nodes.Select(n => new { n.Level, node_id = n.NodeId, browse_name = n.BrowseName, node_class = n.NodeClass, n.Value, n.Status }),
            };
            Console.Out.WriteLine(JsonSerializer.Serialize(output, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            return;
        }

        foreach (var e in endpoints)
        {
            var fingerprint = e.ServerCertificate.Length == 0 ? "-" : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(e.ServerCertificate));
            Console.Out.WriteLine($"endpoint {e.EndpointUrl} {Ingest.OpcUa.SecureChannel.SecurityPolicies.ShortName(e.SecurityPolicyUri)}/{e.SecurityMode} certificate sha256 {fingerprint}");
        }

        foreach (var n in nodes)
        {
            var value = n.Value is null ? string.Empty : $" = {n.Value} ({n.Status})";
            Console.Out.WriteLine($"{new string(' ', n.Level * 2)}{n.BrowseName} [{n.NodeClass}] {n.NodeId}{value}");
        }
    }

    private sealed record BrowsedNode(int Level, string NodeId, string BrowseName, string NodeClass, string? Value, string? Status);
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using TwinGuard.Server.Access;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard keys create|list|revoke</c>: API keys of a data directory (docs/api.md).</summary>
/// <remarks>A running serve sees a new or revoked key on the key's next request: both share <c>operator.db</c>.</remarks>
internal static class KeysCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static Command Create() => new("keys", "API keys for the REST API, the dashboard and /metrics")
    {
        Make(),
        List(),
        Revoke(),
    };

    private static Command Make()
    {
        var (stores, json) = (StoreOptions.Create(), CommonOptions.Json());
        var role = new Option<string>("--role") { Description = $"One of {string.Join(", ", ApiRoles.AllNames)}", Required = true };
        var site = new Option<string?>("--site") { Description = "Limit the key to this site" };
        var name = new Option<string?>("--name") { Description = "Who holds the key (recorded with every write it makes); default: the role" };
        var command = new Command("create", "Make a key and print its token (shown this once)") { stores.DataDir, stores.Cluster, json, role, site, name };
        command.SetAction(parse =>
        {
            var parsedRole = ApiRoles.Parse(parse.GetValue(role)!);
            using var keys = stores.OpenKeys(parse, create: true);
            var made = keys.Create(parse.GetValue(name) ?? parsedRole.Name(), parsedRole, parse.GetValue(site), "cli");
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(made, JsonOptions));
            }
            else
            {
                Console.WriteLine($"key {made.Key.Id} ({made.Key.Name}, {parsedRole.Name()}{(made.Key.Site is { } s ? ", site " + s : string.Empty)}); token, shown once:");
                Console.WriteLine(made.Token);
            }

            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var (stores, json) = (StoreOptions.Create(), CommonOptions.Json());
        var all = new Option<bool>("--all") { Description = "Include revoked keys" };
        var command = new Command("list", "List keys (never their tokens)") { stores.DataDir, stores.Cluster, json, all };
        command.SetAction(parse =>
        {
            using var keys = stores.OpenKeys(parse, create: false);
            return Listing.Print(parse.GetValue(json), keys.List(parse.GetValue(all)),
                ["id", "name", "role", "site", "created (UTC)", "by", "revoked"],
                k => [k.Id, k.Name, k.Role.Name(), k.Site ?? "any", k.Created.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), k.CreatedBy,
                    k.Revoked is { } r ? $"{r:yyyy-MM-dd HH:mm:ss} by {k.RevokedBy}" : null],
                jsonOptions: JsonOptions);
        });
        return command;
    }

    private static Command Revoke()
    {
        var (stores, json) = (StoreOptions.Create(), CommonOptions.Json());
        var id = new Argument<string>("id") { Description = "Key id (see `twinguard keys list`)" };
        var command = new Command("revoke", "Revoke a key: its next request is refused") { id, stores.DataDir, stores.Cluster, json };
        command.SetAction(parse =>
        {
            using var keys = stores.OpenKeys(parse, create: false);
            var keyId = parse.GetValue(id)!;
            var key = keys.Find(keyId) ?? throw new CommandLineException($"no key '{keyId}'");
            if (!keys.Revoke(keyId, "cli"))
            {
                throw new CommandLineException($"key '{keyId}' was already revoked by {key.RevokedBy} at {key.Revoked:u}");
            }

            Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(keys.Find(keyId), JsonOptions) : $"key {keyId} ({key.Name}) revoked");
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard quarantine list|add|release</c>: the quarantine store in the data directory, or (<c>--cluster</c>) the cluster's. A running serve picks
/// up releases and additions within its poll interval (one second by default).
/// </summary>
internal static class QuarantineCommand
{
    public static Command Create() => new("quarantine", "Quarantined sources, assets, signals, credentials, twins and addresses")
    {
        List(),
        Add(),
        Release(),
    };

    /// <summary><c>--who</c> and <c>--why</c>, both required: every decision says who made it and why.</summary>
    public static (Option<string> Who, Option<string> Why) WhoWhy() =>
        (new Option<string>("--who") { Description = "Who decides (recorded)", Required = true },
         new Option<string>("--why") { Description = "Why (recorded)", Required = true });

    /// <summary>The values of <c>--who</c> and <c>--why</c>; blank ones are refused, since a decision without them cannot be audited.</summary>
    public static (string Who, string Why) Values(ParseResult parse, Option<string> who, Option<string> why)
    {
        var (w, y) = (parse.GetValue(who)!, parse.GetValue(why)!);
        return string.IsNullOrWhiteSpace(w) || string.IsNullOrWhiteSpace(y)
            ? throw new CommandLineException("--who and --why must both say something: every decision is recorded with who made it and why")
            : (w, y);
    }

    private static Command List()
    {
        var (stores, json) = (StoreOptions.Create(), CommonOptions.Json());
        var all = new Option<bool>("--all") { Description = "Include released ones" };
        var command = new Command("list", "List quarantines in force (with --all: every one ever)") { stores.DataDir, stores.Cluster, json, all };
        command.SetAction(parse =>
        {
            using var store = stores.OpenResponses(parse);
            return Listing.Print(parse.GetValue(json), store.Quarantines(parse.GetValue(all)),
                ["id", "kind", "target", "incident", "since (UTC)", "by", "expires", "released", "reason"],
                e => [e.Id, ResponseStore.Name(e.Kind), e.Target, e.IncidentId, e.Since.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), e.By,
                    e.Expires?.ToString("u", CultureInfo.InvariantCulture), e.Released is null ? null : $"{e.ReleasedBy}: {e.ReleaseReason}", e.Reason],
                e => new
                {
                    e.Id,
                    kind = ResponseStore.Name(e.Kind),
                    e.Target,
                    e.IncidentId,
                    e.Since,
                    e.By,
                    e.Reason,
                    e.Expires,
                    e.Released,
                    e.ReleasedBy,
                    e.ReleaseReason,
                    e.Lifted,
                    active = e.IsActive,
                });
        });
        return command;
    }

    private static Command Add()
    {
        var stores = StoreOptions.Create();
        var (who, why) = WhoWhy();
        var kinds = string.Join(", ", Enum.GetValues<QuarantineKind>().Select(ResponseStore.Name));
        var kind = new Option<string>("--kind") { Description = kinds, Required = true };
        var target = new Option<string>("--target") { Description = "Device id, asset id, asset/signal or address", Required = true };
        var expires = new Option<string?>("--expires") { Description = "Lift it automatically after this long, e.g. 30m" };
        var command = new Command("add", "Quarantine something by hand (a running serve puts it in force within its poll interval)") { stores.DataDir, stores.Cluster, kind, target, who, why, expires };
        command.SetAction(parse =>
        {
            var kindText = parse.GetValue(kind)!;
            var parsed = Enum.GetValues<QuarantineKind>().Where(k => ResponseStore.Name(k) == kindText).Select(k => (QuarantineKind?)k).FirstOrDefault()
                ?? throw new CommandLineException($"--kind: '{kindText}' is not one of {kinds}");
            var value = parse.GetValue(target)!;
            if (parsed == QuarantineKind.Address)
            {
                value = NftRules.Normalize(value).Text;
                if (new ContainmentTargets(NetworkEnforcement.Default).Refusal(value) is { } unsafeTarget)
                {
                    throw new CommandLineException($"--target: {unsafeTarget}");
                }
            }
            else if (parsed == QuarantineKind.Signal && value.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                throw new CommandLineException($"--target: a signal is asset/signal, found '{value}'");
            }

            TimeSpan? expiry = parse.GetValue(expires) is { } text ? Twins.Plant.DurationText.Parse(text) : null;
            var (whoValue, whyValue) = Values(parse, who, why);
            using var store = stores.OpenResponses(parse);
            var (entry, added) = store.AddQuarantine(parsed, value, null, whoValue, whyValue, expiry is { } e ? TimeProvider.System.GetUtcNow() + e : null);
            Console.WriteLine(added ? $"quarantine {entry.Id}: {kindText} {value}" : $"already quarantined: {entry.Id}");
            return 0;
        });
        return command;
    }

    private static Command Release()
    {
        var stores = StoreOptions.Create();
        var (who, why) = WhoWhy();
        var id = new Argument<long>("id") { Description = "Quarantine id (see `twinguard quarantine list`)" };
        var command = new Command("release", "Release a quarantine (a running serve lifts it within its poll interval)") { id, stores.DataDir, stores.Cluster, who, why };
        command.SetAction(parse =>
        {
            var (whoValue, whyValue) = Values(parse, who, why);
            using var store = stores.OpenResponses(parse);
            var quarantineId = parse.GetValue(id);
            var entry = store.FindQuarantine(quarantineId) ?? throw new CommandLineException($"no quarantine {quarantineId}");
            if (!store.Release(quarantineId, whoValue, whyValue))
            {
                throw new CommandLineException($"quarantine {quarantineId} was already released by {entry.ReleasedBy} at {entry.Released:u}");
            }

            Console.WriteLine($"quarantine {quarantineId} ({ResponseStore.Name(entry.Kind)} {entry.Target}) released");
            return 0;
        });
        return command;
    }
}

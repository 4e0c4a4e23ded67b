using System.CommandLine;
using System.Globalization;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard approvals list|approve|deny</c>: operators' decisions on high-impact actions.</summary>
/// <remarks>Written to the data directory's database; a running serve acts on them within its poll interval.</remarks>
internal static class ApprovalsCommand
{
    public static Command Create() => new("approvals", "High-impact actions waiting for an operator")
    {
        List(),
        Decide("approve", approve: true),
        Decide("deny", approve: false),
    };

    private static Command List()
    {
        var (stores, json) = (StoreOptions.Create(), CommonOptions.Json());
        var all = new Option<bool>("--all") { Description = "Include decided ones" };
        var command = new Command("list", "List pending approvals (with --all: every one)") { stores.DataDir, stores.Cluster, json, all };
        command.SetAction(parse =>
        {
            using var store = stores.OpenResponses(parse);
            return Listing.Print(parse.GetValue(json), store.Approvals(parse.GetValue(all)),
                ["id", "incident", "playbook", "action", "target", "requested (UTC)", "deadline (UTC)", "on timeout", "status", "decided by"],
                r => [r.Id, r.IncidentId, r.Playbook, r.Action, r.Target, r.Requested.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
                    r.Deadline.ToString("HH:mm:ss", CultureInfo.InvariantCulture), r.ApproveOnTimeout ? "approve" : "deny", r.Status, r.DecidedBy]);
        });
        return command;
    }

    private static Command Decide(string name, bool approve)
    {
        var stores = StoreOptions.Create();
        var (who, why) = QuarantineCommand.WhoWhy();
        var id = new Argument<long>("id") { Description = "Approval id (see `twinguard approvals list`)" };
        var command = new Command(name, approve ? "Approve a pending action" : "Deny a pending action") { id, stores.DataDir, stores.Cluster, who, why };
        command.SetAction(parse =>
        {
            var (whoValue, whyValue) = QuarantineCommand.Values(parse, who, why);
            using var store = stores.OpenResponses(parse);
            var requestId = parse.GetValue(id);
            var request = store.FindApproval(requestId) ?? throw new CommandLineException($"no approval {requestId}");
            if (!store.Decide(requestId, approve, whoValue, whyValue))
            {
                throw new CommandLineException($"approval {requestId} is no longer pending: {request.Status}{(request.DecidedBy is { } by ? " by " + by : string.Empty)}");
            }

            Console.WriteLine($"approval {requestId} ({request.Action} {request.Target}, incident {request.IncidentId}) {(approve ? "approved" : "denied")}");
            return 0;
        });
        return command;
    }
}

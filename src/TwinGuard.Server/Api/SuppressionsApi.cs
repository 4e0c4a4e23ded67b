using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Api;

/// <summary>
/// <c>/api/suppressions</c>: the suppressions analysts' <c>false_positive</c> verdicts made (a verdict on a finding with
/// <c>suppress: 7d</c>), listed with how many findings each held back, and lifted by hand. Every change is in the ledger.
/// </summary>
internal static class SuppressionsApi
{
    /// <summary>The longest a suppression may last: a benign pattern must be looked at again.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(90);

    public static RouteGroupBuilder MapSuppressionsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/suppressions").WithTags("learning");
        group.MapGet("/", (SuppressionList list) => TypedResults.Ok(list.Active.Select(a => new SuppressionView(a.Suppression, a.Hits)).ToList()))
            .RequireAuthorization(AccessPolicies.Viewer).WithSummary("Suppressions in force, with the findings each has held back since serve started");
        group.MapPost("/{id:long}/lift", Lift)
            .RequireAuthorization(AccessPolicies.Operator).WithSummary("Lift a suppression now (the reason and the key's name are recorded)");
        return api;
    }

    /// <summary>Null when the verdict may make the suppression it asks for, else why not.</summary>
    public static ProblemHttpResult? Check(VerdictRequest request, StoredFinding finding)
    {
        if (request.Verdict != "false_positive")
        {
            return Problems.BadRequest("'suppress' goes with the verdict false_positive only");
        }

        if (!DurationText.TryParse(request.Suppress!, out var duration) || duration <= TimeSpan.Zero || duration > MaxDuration)
        {
            return Problems.BadRequest($"'suppress' must be a duration such as 7d, at most {MaxDuration.TotalDays:0} days, found '{request.Suppress}'");
        }

        if (!ReasonCodes.TryParse(finding.Reason, out var reason) || !Enum.TryParse<Severity>(finding.Severity, ignoreCase: true, out var severity)
            || !SuppressionList.MaySuppress(reason, severity))
        {
            return Problems.Conflict($"findings of reason {finding.Reason} and severity {finding.Severity} are never suppressed: the gate, relations, intelligence, operating limits and critical findings stay on");
        }

        return finding.AssetId is null ? Problems.Conflict("the finding names no asset: a suppression applies to one asset") : null;
    }

    /// <summary>Makes, records and puts in force the suppression a checked verdict asks for.</summary>
    public static Suppression Make(VerdictRequest request, StoredFinding finding, HttpContext context, WriteRecorder writes, SuppressionList list, TimeProvider time)
    {
        ReasonCodes.TryParse(finding.Reason, out var reason);
        var expires = time.GetUtcNow() + DurationText.Parse(request.Suppress!);
        var key = context.Key();
        var suppression = writes.Read(s => s.AddSuppression(reason, finding.AssetId!, finding.SignalId, expires, key.Actor, request.Comment, finding.Id));
        var target = string.Create(CultureInfo.InvariantCulture, $"{finding.Reason} on {finding.AssetId}{(finding.SignalId is null ? string.Empty : "." + finding.SignalId)}");
        writes.Record(key, finding.IncidentId, "suppress", target,
            string.Create(CultureInfo.InvariantCulture, $"suppression {suppression.Id} until {expires:u} from finding {finding.Id}: {request.Comment}"));
        list.Add(suppression);
        return suppression;
    }

    private static Results<Ok<SuppressionView>, ProblemHttpResult> Lift(long id, DecisionRequest request, HttpContext context, WriteRecorder writes, SuppressionList list)
    {
        if (TwinGuardApi.Check(request.Reason, "reason") is { } problem)
        {
            return Problems.BadRequest(problem);
        }

        var active = list.Active.FirstOrDefault(a => a.Suppression.Id == id);
        if (active.Suppression is null || !writes.Read(s => s.LiftSuppression(id, context.Key().Actor)))
        {
            return Problems.NotFound(string.Create(CultureInfo.InvariantCulture, $"no suppression {id} in force"));
        }

        list.Lift(id);
        writes.Record(context.Key(), null, "lift suppression", string.Create(CultureInfo.InvariantCulture, $"suppression {id}"), request.Reason);
        return TypedResults.Ok(new SuppressionView(active.Suppression, active.Hits));
    }
}

using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Api;

/// <summary><c>/api/findings</c>: what the pipeline noticed, and analysts' verdicts on it.</summary>
internal static class FindingsApi
{
    public static RouteGroupBuilder MapFindingsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/findings").WithTags("findings");
        group.MapGet("/", List).RequireAuthorization(AccessPolicies.Viewer).WithSummary("Findings, newest first");
        group.MapGet("/{id:long}", Results<Ok<FindingDetail>, ProblemHttpResult> (long id, PlantRecords records, OperatorJournal journal) =>
                records.Finding(id) is { } finding
                    ? TypedResults.Ok(new FindingDetail(finding, journal.Verdicts("finding", id)))
                    : Problems.NotFound(string.Create(CultureInfo.InvariantCulture, $"no finding {id}")))
            .RequireAuthorization(AccessPolicies.Viewer).WithSummary("One finding with its verdicts");
        group.MapPost("/{id:long}/verdict", GiveVerdict)
            .RequireAuthorization(AccessPolicies.Operator).WithSummary("Give a verdict (false_positive, confirmed_attack); refused with 423 while the asset's twin is read-only");
        return api;
    }

    /// <summary>Records a verdict on a finding or an incident after the common checks.</summary>
    public static Results<Created<Verdict>, ProblemHttpResult> Record(
        string subject, long id, string? assetId, long? incidentId, VerdictRequest request, HttpContext context,
        AccessRestrictions access, WriteRecorder writes, OperatorJournal journal, TimeProvider time)
    {
        if (!Verdict.Values.Contains(request.Verdict))
        {
            return Problems.BadRequest($"'verdict' must be one of {string.Join(", ", Verdict.Values)}, found '{request.Verdict}'");
        }

        if (TwinGuardApi.Check(request.Comment, "comment") is { } problem)
        {
            return Problems.BadRequest(problem);
        }

        if (ReadOnlyTwins.Refuse(assetId, access, writes) is { } locked)
        {
            return locked;
        }

        var key = context.Key();
        var target = string.Create(CultureInfo.InvariantCulture, $"{subject}:{id}");
        var (_, entry) = writes.Record(key, incidentId, "verdict: " + request.Verdict, target, request.Comment);
        var verdict = journal.AddVerdict(subject, id, assetId, request.Verdict, request.Comment, key.Actor, time.GetUtcNow(), entry);
        return TypedResults.Created(string.Create(CultureInfo.InvariantCulture, $"/api/{subject}s/{id}"), verdict);
    }

    private static Results<Ok<IReadOnlyList<StoredFinding>>, ProblemHttpResult> List(int? limit, string? asset, long? incident, PlantRecords records)
    {
        var n = limit ?? 200;
        if (n is < 1 or > 5000)
        {
            return Problems.BadRequest(string.Create(CultureInfo.InvariantCulture, $"'limit' must be 1..5000, found {n}"));
        }

        return TypedResults.Ok(records.Findings(n, asset, null, incident));
    }

    /// <remarks>Verdicts are how analysts teach the twins: see <see cref="VerdictLearning"/>.</remarks>
    private static async Task<Results<Created<Verdict>, ProblemHttpResult>> GiveVerdict(
        long id, VerdictRequest request, HttpContext context, PlantRecords records, AccessRestrictions access, WriteRecorder writes, OperatorJournal journal,
        TimeProvider time, VerdictLearning learning, SuppressionList suppressions)
    {
        if (records.Finding(id) is not { } finding)
        {
            return Problems.NotFound(string.Create(CultureInfo.InvariantCulture, $"no finding {id}"));
        }

        if (request.Suppress is not null && SuppressionsApi.Check(request, finding) is { } refused)
        {
            return refused;
        }

        var result = Record("finding", id, finding.AssetId, finding.IncidentId, request, context, access, writes, journal, time);
        if (result.Result is Created<Verdict> && request.Suppress is not null)
        {
            SuppressionsApi.Make(request, finding, context, writes, suppressions, time);
        }

        if (result.Result is Created<Verdict>)
        {
            await learning.LearnFromFindingAsync(finding, request.Verdict, request.Comment, context.Key());
        }

        return result;
    }
}

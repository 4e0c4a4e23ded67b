using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Api;

/// <summary><c>/api/incidents</c>: incidents with their evidence, actions, approvals, quarantines, verdicts and timeline.</summary>
internal static class IncidentsApi
{
    public static RouteGroupBuilder MapIncidentsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/incidents").WithTags("incidents");
        group.MapGet("/", Results<Ok<IReadOnlyList<StoredIncident>>, ProblemHttpResult> (int? limit, string? asset, PlantRecords records) =>
                (limit ?? 200) is < 1 or > 5000
                    ? Problems.BadRequest(string.Create(CultureInfo.InvariantCulture, $"'limit' must be 1..5000, found {limit}"))
                    : TypedResults.Ok(records.Incidents(limit ?? 200, asset)))
            .RequireAuthorization(AccessPolicies.Viewer).WithSummary("Incidents, newest first");
        group.MapGet("/{id:long}", Results<Ok<IncidentDetail>, ProblemHttpResult> (long id, PlantRecords records, WriteRecorder writes, OperatorJournal journal) =>
                Detail(id, records, writes, journal) is { } detail ? TypedResults.Ok(detail) : Problems.NotFound(string.Create(CultureInfo.InvariantCulture, $"no incident {id}")))
            .RequireAuthorization(AccessPolicies.Viewer).WithSummary("One incident: evidence, actions, approvals, quarantines, verdicts and timeline");
        group.MapPost("/{id:long}/verdict", Verdict)
            .RequireAuthorization(AccessPolicies.Operator).WithSummary("Give a verdict (false_positive, confirmed_attack); refused with 423 while the asset's twin is read-only");
        return api;
    }

    /// <remarks>A <c>confirmed_attack</c> keeps the states of the incident's assets during it from ever being learned (<see cref="VerdictLearning"/>).</remarks>
    private static async Task<Results<Created<Verdict>, ProblemHttpResult>> Verdict(
        long id, VerdictRequest request, HttpContext context, PlantRecords records, AccessRestrictions access, WriteRecorder writes, OperatorJournal journal,
        TimeProvider time, VerdictLearning learning)
    {
        if (records.Incident(id) is not { } incident)
        {
            return Problems.NotFound(string.Create(CultureInfo.InvariantCulture, $"no incident {id}"));
        }

        var result = FindingsApi.Record("incident", id, incident.AssetId, id, request, context, access, writes, journal, time);
        if (result.Result is Created<Verdict> && request.Verdict == "confirmed_attack")
        {
            await learning.ExcludeIncidentAsync(incident, context.Key());
        }

        return result;
    }

    private static IncidentDetail? Detail(long id, PlantRecords records, WriteRecorder writes, OperatorJournal journal)
    {
        if (records.Incident(id) is not { } incident)
        {
            return null;
        }

        var findings = records.Findings(1000, incident: id);
        var (actions, approvals, quarantines) = writes.Read(s => (
            s.Actions(id),
            (IReadOnlyList<ApprovalRequest>)s.Approvals(includeDecided: true).Where(a => a.IncidentId == id).ToList(),
            (IReadOnlyList<QuarantineEntry>)s.Quarantines(includeReleased: true).Where(q => q.IncidentId == id).ToList()));
        var verdicts = journal.Verdicts("incident", id);
        var stages = records.Stages(id);
        var timeline = new List<TimelineEntry> { new(incident.Opened, "opened", incident.Title, incident.Rule) };
        // Every stage of the intrusion, each with its ATT&CK techniques (stage 1 is the opening above, with its techniques).
        timeline.AddRange(stages.Select(s => new TimelineEntry(s.Time, "stage",
            string.Create(CultureInfo.InvariantCulture,
                $"stage {s.Number} on {s.Scope} ({s.Rule}{(s.Link is null ? string.Empty : ", linked by " + s.Link)}): {s.Title} [ATT&CK {string.Join(", ", s.Attack.Select(t => t.Id))}]{(s.Occurrences > 1 ? $" seen {s.Occurrences} times, last {s.LastSeen:O}" : string.Empty)}"),
            s.DeviceId)));
        timeline.AddRange(findings.Select(f => new TimelineEntry(f.Time, "finding",
            string.Create(CultureInfo.InvariantCulture, $"{f.Severity} {f.Reason}: {f.Message}{(f.Occurrences > 1 ? $" (x{f.Occurrences})" : string.Empty)}"), f.DeviceId)));
        timeline.AddRange(actions.Select(a => new TimelineEntry(a.Time, a.Outcome == ActionOutcome.Released ? "release" : "action",
            $"{a.Action} {a.Target}: {ResponseStore.Name(a.Outcome)}; {a.Detail}", a.By)));
        timeline.AddRange(approvals.Where(a => a.Decided is not null).Select(a => new TimelineEntry(a.Decided!.Value, "approval",
            string.Create(CultureInfo.InvariantCulture, $"approval {a.Id} ({a.Action} {a.Target}): {a.Status}{(a.Why is null ? string.Empty : ": " + a.Why)}"), a.DecidedBy)));
        timeline.AddRange(verdicts.Select(v => new TimelineEntry(v.Time, "verdict", $"{v.Value}: {v.Comment}", v.By)));
        var campaign = records.Campaign(incident.CampaignId ?? incident.Id);
        foreach (var other in campaign.Where(c => c.Id != incident.Id))
        {
            timeline.Add(new TimelineEntry(other.Opened, "campaign",
                string.Create(CultureInfo.InvariantCulture, $"incident {other.Id} on {other.Scope}: {other.Title} [ATT&CK {string.Join(", ", other.Attack.Select(t => t.Id))}]"), other.DeviceId));
        }

        return new IncidentDetail(incident, findings, actions, approvals, quarantines, verdicts, [.. timeline.OrderBy(t => t.Time)], campaign, stages);
    }
}

using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Detect;

namespace TwinGuard.Server.Api;

/// <summary>
/// <c>/api/tunings</c>: the streaming-detector thresholds that analysts' <c>false_positive</c> verdicts raised
/// (<see cref="DetectorTuning"/>, at most x2 per signal), listed, and put back as configured by hand. Every change is in
/// the ledger.
/// </summary>
internal static class TuningsApi
{
    public static RouteGroupBuilder MapTuningsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/tunings").WithTags("learning");
        group.MapGet("/", (DetectorTuning tuning) => TypedResults.Ok(tuning.Raised))
            .RequireAuthorization(AccessPolicies.Viewer).WithSummary("Signals whose streaming-detector thresholds verdicts raised, with the factor");
        group.MapPost("/{asset}/{signal}/reset", Reset)
            .RequireAuthorization(AccessPolicies.Operator).WithSummary("Put a signal's thresholds back as configured (the reason and the key's name are recorded)");
        return api;
    }

    private static Results<Ok<SignalTuning>, ProblemHttpResult> Reset(
        string asset, string signal, DecisionRequest request, HttpContext context, DetectorTuning tuning, WriteRecorder writes)
    {
        if (TwinGuardApi.Check(request.Reason, "reason") is { } problem)
        {
            return Problems.BadRequest(problem);
        }

        var before = tuning.Of(asset, signal);
        if (!tuning.Reset(asset, signal))
        {
            return Problems.NotFound($"the thresholds of {asset}.{signal} are as configured");
        }

        writes.Read(s => s.ResetThresholdRaise(asset, signal));
        writes.Record(context.Key(), null, "reset threshold", $"{asset}.{signal}",
            FormattableString.Invariant($"streaming detector thresholds x{before:0.###} -> x1 (as configured): {request.Reason}"));
        return TypedResults.Ok(new SignalTuning(asset, signal, 1.0));
    }
}

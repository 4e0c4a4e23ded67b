using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Respond;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Server.Api;

/// <summary><c>/api/assets</c>: assets with their twins' state, recent readings, operators' notes and maintenance mode.</summary>
internal static class AssetsApi
{
    /// <summary>Most readings one request returns.</summary>
    public const int MaxReadings = 1200; // what a twin keeps per signal (TwinGrain.HistoryCapacity)

    public static RouteGroupBuilder MapAssetsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/assets").WithTags("plant");
        group.MapGet("/", async (PlantView view) => TypedResults.Ok(await view.AssetsAsync()))
            .RequireAuthorization(AccessPolicies.Viewer).WithSummary("Every asset with its state and its twin's signals");
        group.MapGet("/{assetId}", async Task<Results<Ok<AssetView>, ProblemHttpResult>> (string assetId, PlantView view) =>
                await view.AssetAsync(assetId) is { } asset ? TypedResults.Ok(asset) : Problems.NotFound($"no asset '{assetId}'"))
            .RequireAuthorization(AccessPolicies.Viewer).WithSummary("One asset");
        group.MapGet("/{assetId}/signals/{signalId}/readings", ReadingsAsync)
            .RequireAuthorization(AccessPolicies.Viewer).WithSummary("Recent trusted readings of a signal, with the expected band and anomaly markers");
        group.MapGet("/{assetId}/notes", Results<Ok<IReadOnlyList<AssetNote>>, ProblemHttpResult> (string assetId, PlantView view, OperatorJournal journal) =>
                view.Plant.FindAsset(assetId) is null ? Problems.NotFound($"no asset '{assetId}'") : TypedResults.Ok(journal.Notes(assetId)))
            .RequireAuthorization(AccessPolicies.Viewer).WithSummary("Operators' notes on an asset");
        group.MapPost("/{assetId}/notes", AddNote)
            .RequireAuthorization(AccessPolicies.Operator).WithSummary("Add a note to an asset (refused with 423 while its twin is read-only)");
        group.MapPut("/{assetId}/maintenance", SetMaintenance)
            .RequireAuthorization(AccessPolicies.Operator).WithSummary("Switch an asset's maintenance mode (refused with 423 while its twin is read-only)");
        return api;
    }

    private static async Task<Results<Ok<ReadingsView>, ProblemHttpResult>> ReadingsAsync(
        string assetId, string signalId, int? max, PlantView view, IGrainFactory grains, PlantRecords records)
    {
        if (view.Plant.FindAsset(assetId) is not { } asset)
        {
            return Problems.NotFound($"no asset '{assetId}'");
        }

        if (asset.Signals.FirstOrDefault(s => s.Id == signalId) is not { } signal)
        {
            return Problems.NotFound($"asset '{assetId}' has no signal '{signalId}' (it has {string.Join(", ", asset.Signals.Select(s => s.Id))})");
        }

        var count = max ?? 600;
        if (count is < 1 or > MaxReadings)
        {
            return Problems.BadRequest(string.Create(CultureInfo.InvariantCulture, $"'max' must be 1..{MaxReadings}, found {count}"));
        }

        var history = await grains.GetGrain<ITwinGrain>(assetId).GetHistoryAsync(signalId, count);
        var times = history?.TimesMs.Select(t => t / 1000.0).ToArray() ?? [];
        var since = times.Length > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(history!.TimesMs[0]) : DateTimeOffset.MaxValue;
        var anomalies = records.Findings(500, assetId, signalId, null, since)
            .OrderBy(f => f.Time)
            .Select(f => new AnomalyMark(f.Id, f.Time.ToUnixTimeMilliseconds() / 1000.0, f.Reason, f.Severity, f.Value))
            .ToList();
        var lower = new double[times.Length];
        var upper = new double[times.Length];
        for (var i = 0; i < times.Length; i++)
        {
            lower[i] = history!.Expected[i] - (PlantView.BandWidth * history.Spread[i]);
            upper[i] = history.Expected[i] + (PlantView.BandWidth * history.Spread[i]);
        }

        return TypedResults.Ok(new ReadingsView(assetId, signalId, signal.Unit, PlantView.BandWidth, times, history?.Values ?? [], lower, upper, anomalies));
    }

    private static Results<Created<AssetNote>, ProblemHttpResult> AddNote(
        string assetId, NoteRequest request, HttpContext context, PlantView view, AccessRestrictions access, WriteRecorder writes, OperatorJournal journal, TimeProvider time)
    {
        if (RefuseWrite(assetId, request.Text, "text", view, access, writes) is { } refused)
        {
            return refused;
        }

        var key = context.Key();
        var (_, entry) = writes.Record(key, null, "note", "asset:" + assetId, request.Text);
        var note = journal.AddNote(assetId, request.Text, key.Actor, time.GetUtcNow(), entry);
        return TypedResults.Created($"/api/assets/{assetId}/notes", note);
    }

    private static Results<Ok<MaintenanceMode>, ProblemHttpResult> SetMaintenance(
        string assetId, MaintenanceRequest request, HttpContext context, PlantView view, AccessRestrictions access, WriteRecorder writes, OperatorJournal journal, TimeProvider time)
    {
        if (RefuseWrite(assetId, request.Reason, "reason", view, access, writes) is { } refused)
        {
            return refused;
        }

        var key = context.Key();
        writes.Record(key, null, request.Enabled ? "maintenance: on" : "maintenance: off", "asset:" + assetId, request.Reason);
        return TypedResults.Ok(journal.SetMaintenance(assetId, request.Enabled, request.Reason, key.Actor, time.GetUtcNow()));
    }

    /// <summary>The checks every write to an asset passes first: the asset exists, the text is acceptable, the twin is not read-only.</summary>
    private static ProblemHttpResult? RefuseWrite(string assetId, string? text, string field, PlantView view, AccessRestrictions access, WriteRecorder writes) =>
        view.Plant.FindAsset(assetId) is null ? Problems.NotFound($"no asset '{assetId}'")
        : TwinGuardApi.Check(text, field) is { } problem ? Problems.BadRequest(problem)
        : ReadOnlyTwins.Refuse(assetId, access, writes);
}

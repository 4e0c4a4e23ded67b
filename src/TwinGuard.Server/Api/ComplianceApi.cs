using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Verification;
using TwinGuard.Server.Access;
using TwinGuard.Server.Hosting;
using TwinGuard.Server.Hosting.Cluster;
using TwinGuard.Twins.Compliance;

namespace TwinGuard.Server.Api;

/// <summary>
/// <c>/api/compliance</c>: the standards, and a compliance report of this site's data directory as JSON (with the proofs),
/// HTML or Markdown, the same as <c>twinguard compliance report</c> prints (docs/compliance.md).
/// </summary>
/// <remarks>In a cluster with one ledger every silo reports on that ledger, with the cluster's key, and names the cluster's
/// records store as the key store: the same report through whichever silo is asked (docs/cluster.md).</remarks>
/// <remarks>One report is made at a time: a report reads the whole ledger, so a viewer asking for many at once waits.</remarks>
internal static class ComplianceApi
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public static RouteGroupBuilder MapComplianceApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/compliance").WithTags("compliance").RequireAuthorization(AccessPolicies.Viewer);
        group.MapGet("/standards", () => TypedResults.Ok(ComplianceCatalogueLoader.Standards.Select(ComplianceCatalogueLoader.Embedded)
                .Select(c => new StandardView(c.Standard, c.Title, c.Controls.Count, c.HasLevels)).ToList()))
            .WithSummary("The standards a compliance report covers");
        group.MapGet("/report", ReportAsync)
            .WithSummary("A compliance report: each control's status and evidence; as JSON it carries every cited ledger entry with its inclusion proof");
        return api;
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ReportAsync(
        HostSettings settings, TimeProvider time, HttpContext context, string standard, int? targetSl, string? from, string? to, string? format, CancellationToken cancellationToken)
    {
        if (!ComplianceCatalogueLoader.Standards.Contains(standard, StringComparer.Ordinal))
        {
            return Problems.BadRequest($"standard '{Clip(standard)}': expected one of {string.Join(", ", ComplianceCatalogueLoader.Standards)}");
        }

        var catalogue = ComplianceCatalogueLoader.Embedded(standard);
        if (targetSl is { } sl && (!catalogue.HasLevels || sl is < 1 or > 4))
        {
            return Problems.BadRequest(catalogue.HasLevels ? $"targetSl {sl}: expected 1 to 4" : $"targetSl: {standard} has no security levels");
        }

        var kind = format ?? "json";
        if (kind is not ("json" or "html" or "md"))
        {
            return Problems.BadRequest($"format '{Clip(kind)}': expected json, html or md");
        }

        CompliancePeriod period;
        try
        {
            period = CompliancePeriod.Parse(from, to);
        }
        catch (FormatException ex)
        {
            return Problems.BadRequest(ex.Message.Replace("--", string.Empty, StringComparison.Ordinal));
        }

        if (!await OneAtATime.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken))
        {
            return Problems.Result(StatusCodes.Status503ServiceUnavailable, "Busy", "another compliance report is being made; try again");
        }

        try
        {
            var report = await Task.Run(() => Make(settings, catalogue, targetSl, period, time.GetUtcNow()), cancellationToken);
            if (kind == "html")
            {
                // The report is one self-contained page without script: forbid any, and any fetch, if it is opened here.
                context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; sandbox";
            }

            return kind switch
            {
                "html" => TypedResults.Content(ComplianceHtml.Write(report), "text/html; charset=utf-8"),
                "md" => TypedResults.Content(ComplianceMarkdown.Write(report), "text/markdown; charset=utf-8"),
                _ => TypedResults.Content(ComplianceReportJson.Write(report), "application/json; charset=utf-8"),
            };
        }
        catch (InvalidDataException ex)
        {
            return Problems.Result(StatusCodes.Status409Conflict, "No report", ex.Message);
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    private static ComplianceReport Make(HostSettings settings, ComplianceCatalogue catalogue, int? targetSl, CompliancePeriod period, DateTimeOffset now)
    {
        var ledger = LedgerApi.Directory(settings);
        var pin = (settings.Cluster?.LedgerDirectory is { } shared ? ClusterHosting.SharedKey(settings, shared) : settings.LedgerKey ?? LedgerKeyLocations.For(ledger)).PinPath;
        using var key = pin is not null && File.Exists(pin) ? LedgerPublicKey.Load(pin) : null;
        var options = new LedgerVerificationOptions { TrustedKey = key, TrustedKeySource = key is null ? null : pin, TrustedKeyIsPinned = key is not null };
        return ComplianceEvaluator.Evaluate(catalogue, targetSl, settings.DataDirectory, period,
            recorded => PlantEvidence.InMemory(settings.Plant, settings.PlantSource, recorded), options, now,
            ledger, settings.Cluster?.Records is { } records ? $"the cluster's records store ({records})" : null);
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";
}

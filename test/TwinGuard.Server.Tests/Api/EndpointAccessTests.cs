using System.Net;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Server.Access;
using Xunit.Abstractions;

namespace TwinGuard.Server.Tests.Api;

/// <summary>
/// Every endpoint of a real serve host against every kind of caller: no key, a revoked key, a key for another site,
/// and each role. The table is the access design; a new endpoint that is not in it fails the test.
/// </summary>
public sealed class EndpointAccessTests(ITestOutputHelper output)
{
    private static readonly string[] Callers = ["none", "revoked", "wrong-site", "viewer", "operator", "admin"];

    /// <summary>Minimum null: answers without a key. Allowed: the statuses an allowed caller gets (404: passed access, no such item).</summary>
    private sealed record Row(string Method, string Pattern, string Path, ApiRole? Minimum, int[] Allowed, string? Body = null);

    private static readonly Row[] Table =
    [
        new("GET", "/health", "/health", null, [200]),
        new("GET", "/api/me", "/api/me", ApiRole.Viewer, [200]),
        new("GET", "/api/sites/", "/api/sites", ApiRole.Viewer, [200]),
        new("GET", "/api/sites/{siteId}", "/api/sites/line1", ApiRole.Viewer, [200]),
        new("GET", "/api/assets/", "/api/assets", ApiRole.Viewer, [200]),
        new("GET", "/api/assets/{assetId}", "/api/assets/pump1", ApiRole.Viewer, [200]),
        new("GET", "/api/assets/{assetId}/signals/{signalId}/readings", "/api/assets/pump1/signals/flow/readings", ApiRole.Viewer, [200]),
        new("GET", "/api/assets/{assetId}/notes", "/api/assets/pump1/notes", ApiRole.Viewer, [200]),
        new("GET", "/api/relations/", "/api/relations?asset=pump1", ApiRole.Viewer, [200]),
        new("GET", "/api/relations/{relationId}", "/api/relations/flow-follows-pump-and-valves", ApiRole.Viewer, [200]),
        new("GET", "/api/plant/model", "/api/plant/model", ApiRole.Viewer, [200]),
        new("POST", "/api/plant/reload", "/api/plant/reload", ApiRole.Admin, [200]), // a site built in code: nothing to reload, 200 saying so
        new("POST", "/api/assets/{assetId}/notes", "/api/assets/pump1/notes", ApiRole.Operator, [201], """{"text":"bearing noise checked"}"""),
        new("PUT", "/api/assets/{assetId}/maintenance", "/api/assets/pump1/maintenance", ApiRole.Operator, [200], """{"enabled":true,"reason":"bearing change"}"""),
        new("GET", "/api/findings/", "/api/findings", ApiRole.Viewer, [200]),
        new("GET", "/api/findings/{id:long}", "/api/findings/999999", ApiRole.Viewer, [404]),
        new("POST", "/api/findings/{id:long}/verdict", "/api/findings/999999/verdict", ApiRole.Operator, [404], """{"verdict":"false_positive","comment":"set-point change"}"""),
        new("GET", "/api/incidents/", "/api/incidents", ApiRole.Viewer, [200]),
        new("GET", "/api/incidents/{id:long}", "/api/incidents/999999", ApiRole.Viewer, [404]),
        new("POST", "/api/incidents/{id:long}/verdict", "/api/incidents/999999/verdict", ApiRole.Operator, [404], """{"verdict":"confirmed_attack","comment":"replayed frames"}"""),
        new("GET", "/api/quarantines/", "/api/quarantines", ApiRole.Viewer, [200]),
        new("POST", "/api/quarantines/{id:long}/release", "/api/quarantines/999999/release", ApiRole.Operator, [404], """{"reason":"cleared"}"""),
        new("POST", "/api/quarantines/", "/api/quarantines", ApiRole.Admin, [201], """{"kind":"address","target":"192.0.2.10","reason":"scanner seen"}"""),
        new("GET", "/api/approvals/", "/api/approvals", ApiRole.Viewer, [200]),
        new("POST", "/api/approvals/{id:long}/approve", "/api/approvals/999999/approve", ApiRole.Operator, [404], """{"reason":"go"}"""),
        new("POST", "/api/approvals/{id:long}/deny", "/api/approvals/999999/deny", ApiRole.Operator, [404], """{"reason":"no"}"""),
        new("GET", "/api/playbooks", "/api/playbooks", ApiRole.Viewer, [200]),
        new("GET", "/api/intel", "/api/intel", ApiRole.Viewer, [200]),
        new("GET", "/api/peers", "/api/peers", ApiRole.Viewer, [404]), // a site without peers says so
        new("GET", "/api/soc/incidents", "/api/soc/incidents", ApiRole.Viewer, [200]),
        new("GET", "/api/cluster", "/api/cluster", ApiRole.Viewer, [200]), // a single node: one silo
        new("GET", "/api/ledger/checkpoint", "/api/ledger/checkpoint", ApiRole.Viewer, [200, 404]),
        new("GET", "/api/ledger/entries/{index:long}/proof", "/api/ledger/entries/0/proof", ApiRole.Viewer, [200, 404]),
        new("GET", "/api/compliance/standards", "/api/compliance/standards", ApiRole.Viewer, [200]),
        new("GET", "/api/compliance/report", "/api/compliance/report?standard=iso27001&format=md", ApiRole.Viewer, [200, 409]),
        new("GET", "/api/keys/", "/api/keys", ApiRole.Admin, [200]),
        new("POST", "/api/keys/", "/api/keys", ApiRole.Admin, [201], """{"name":"siem","role":"viewer"}"""),
        new("DELETE", "/api/keys/{id}", "/api/keys/000000000000", ApiRole.Admin, [404]),
        new("GET", "/api/suppressions/", "/api/suppressions", ApiRole.Viewer, [200]),
        new("POST", "/api/suppressions/{id:long}/lift", "/api/suppressions/999999/lift", ApiRole.Operator, [404], """{"reason":"pattern gone"}"""),
        new("GET", "/api/tunings/", "/api/tunings", ApiRole.Viewer, [200]),
        new("POST", "/api/tunings/{asset}/{signal}/reset", "/api/tunings/pump1/flow/reset", ApiRole.Operator, [404], """{"reason":"pattern gone"}"""),
        new("POST", "/api/events/ticket", "/api/events/ticket", ApiRole.Viewer, [200]),
        new("GET", "/api/events/", "/api/events", ApiRole.Viewer, [200]),
        new("*", "/api/{*path:nonfile}", "/api/no-such-thing", ApiRole.Viewer, [404]),
        new("GET", "/openapi/{documentName}.json", "/openapi/v1.json", ApiRole.Viewer, [200]),
        new("GET", "/metrics", "/metrics", ApiRole.Viewer, [200]),
    ];

    [Fact]
    public async Task EveryEndpoint_EveryCaller_AllowedOrRefusedAsDesigned()
    {
        await using var site = new TwinGuardSiteFactory();
        var tokens = new Dictionary<string, string?>
        {
            ["none"] = null,
            ["viewer"] = site.CreateKey(ApiRole.Viewer).Token,
            ["operator"] = site.CreateKey(ApiRole.Operator).Token,
            ["admin"] = site.CreateKey(ApiRole.Admin).Token,
            ["wrong-site"] = site.CreateKey(ApiRole.Admin, site: "line2", name: "other-site-admin").Token,
        };
        var revoked = site.CreateKey(ApiRole.Admin, name: "revoked-admin");
        site.Services.GetRequiredService<ApiKeyStore>().Revoke(revoked.Key.Id, "test");
        tokens["revoked"] = revoked.Token;

        var failures = new List<string>();
        var report = new StringBuilder();
        foreach (var row in Table)
        {
            report.Append($"{row.Method,-6} {row.Path,-50}");
            foreach (var caller in Callers)
            {
                var expected = Expected(row, caller);
                using var client = site.Client(tokens[caller]);
                using var request = new HttpRequestMessage(new HttpMethod(row.Method == "*" ? "GET" : row.Method), row.Path);
                if (row.Body is not null)
                {
                    request.Content = new StringContent(row.Body, Encoding.UTF8, "application/json");
                }

                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                var status = (int)response.StatusCode;
                report.Append($" {caller}={status}");
                if (!expected.Contains(status))
                {
                    failures.Add($"{row.Method} {row.Path} as {caller}: {status}, expected {string.Join(" or ", expected)}");
                }

                if (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    failures.Add($"{row.Method} {row.Path} as {caller}: error {status} is {response.Content.Headers.ContentType?.MediaType}, not problem+json");
                }
            }

            report.AppendLine();
        }

        output.WriteLine(report.ToString());
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // The table is complete: every endpoint the host maps is in it, and nothing else is.
        var mapped = site.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .Order().ToList();
        Assert.Equal(Table.Select(r => $"{r.Method} {r.Pattern}").Order(), mapped);
    }

    private static int[] Expected(Row row, string caller) => (row.Minimum, caller) switch
    {
        (null, _) => row.Allowed,
        (_, "none" or "revoked") => [401],
        (_, "wrong-site") => [403],
        ({ } minimum, _) => ApiRoles.Parse(caller) >= minimum ? row.Allowed : [403],
    };
}
